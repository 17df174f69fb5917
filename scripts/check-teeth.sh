#!/usr/bin/env bash
# Shows that the prove-it checks have teeth: each mutation below breaks one guarantee in a scratch
# git worktree (the checkout itself is never touched), rebuilds, and runs the test that must then
# FAIL. Prints one line per mutation: "caught" (the test failed, as it must) or "MISSED".
# Usage: scripts/check-teeth.sh [name ...]   (default: all). Takes a few minutes.
set -u
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d /tmp/teeth-XXXXXX)
trap 'git -C "$root" worktree remove --force "$work" >/dev/null 2>&1; rm -rf "$work"' EXIT
git -C "$root" worktree add --detach "$work" HEAD >/dev/null 2>&1 || { echo "cannot create worktree"; exit 2; }
ln -s "$root/node_modules" "$work/node_modules"

# name | file | perl substitution (write a literal | as \x7c) | test file | test name pattern
mutations=(
  "no-row-lock|src/workflow/proposals.repository.ts|s/ CROSS JOIN LATERAL pg_advisory_xact_lock\\(hashtextextended\\(p.id::text, 0\\)\\)//; s/WHERE p.id = \\\$1 FOR UPDATE OF p/WHERE p.id = \\\$1/; s/WHERE id = \\\$1 AND version = \\\$2 RETURNING/WHERE id = \\\$1 AND \\\$2::int IS NOT NULL RETURNING/|test/e2e/proposals.e2e-spec.ts|16 simultaneous"
  "no-visibility|src/workflow/proposals.repository.ts|s/if \\(user.institutionKind === 'alliance'\\) return true;/if (user.id) return true;/|test/e2e/prove-security.e2e-spec.ts|same 404"
  "no-audit|src/audit/audit.service.ts|s/await this.record\\(em, AuditService.involved\\(change\\), \\{/await this.record(em, [], {/|test/e2e/prove-faults.e2e-spec.ts|Redis outage"
  "participant-dropped|src/app/change-participants.ts|s/  AuditService,\\n//|test/e2e/prove-faults.e2e-spec.ts|Redis outage"
  "audit-outside-transaction|src/workflow/workflow-engine.service.ts|s/for \\(const p of this.participants\\) await p.inTransaction\\?.\\(em, c\\);/for (const p of this.participants) await this.dataSource.transaction(async (em2) => p.inTransaction?.(em2, c));/|test/e2e/prove-faults.e2e-spec.ts|persistence faults"
  "no-whitelist|src/common/validation.pipe.ts|s/forbidNonWhitelisted: true/forbidNonWhitelisted: false/|test/e2e/prove-security.e2e-spec.ts|mass assignment"
  "no-hash-check|src/audit/audit-reader.ts|s/ OR recomputed <> hash OR NOT columns_agree//|test/e2e/prove-audit.e2e-spec.ts|random places"
  "no-hash-check-offline|src/audit/audit-chain.ts|s/ \\x7c\\x7c entryHash\\(e.prevHash, e\\) !== e.hash//|test/e2e/audit.e2e-spec.ts|offline verifier"
  "double-partner-decision|workflows/micro-credential-review/rules.ts|s/return context.partnerApprovals.includes\\(actor.institutionId\\) \\? 'already-decided' : 'ok';/return 'ok';/|test/e2e/prove-model.e2e-spec.ts|model"
  "deliver-twice|src/reminders/reminder-delivery.service.ts|s/ \\x7c\\x7c row.status !== 'pending'\\) return/) return/; s/ON CONFLICT \\(schedule_id, user_id\\) DO NOTHING//|test/e2e/reminders.e2e-spec.ts|several times"
  "undocumented-status|src/workflow/workflows.controller.ts|s/\\@ProblemResponses\\(404\\)//|test/e2e/prove-security.e2e-spec.ts|fuzzing"
  "token-not-rechecked|src/auth/token.ts|s/if \\(!row \x7c\x7c !row.active\\) return false;/if (!row) return false;/; s/token.generation === row.token_generation/token.generation >= 0/|test/e2e/accounts.e2e-spec.ts|deactivated user"
  "roles-from-token|src/auth/current-user.service.ts|s/roles: row.roles,/roles: token.roles,/|test/e2e/accounts.e2e-spec.ts|removed role"
  "no-last-admin|src/users/users.service.ts|s/if \\(others\\[0\\].n === 0\\)/if (others[0].n < 0)/|test/e2e/accounts.e2e-spec.ts|last active admin"
  "no-institution-lock|src/users/users.service.ts|s/WHERE id = \\\$1 FOR NO KEY UPDATE/WHERE id = \\\$1/|test/e2e/accounts.e2e-spec.ts|same moment"
  "password-keeps-tokens|src/users/users.service.ts|s/token_generation = token_generation \\+ 1,/token_generation = token_generation + 0,/|test/e2e/accounts.e2e-spec.ts|password change"
  "idempotency-no-replay|src/idempotency/idempotency.repository.ts|s/return \\{ status: stored.status, body: stored.body \\};/return null;/|test/e2e/idempotency.e2e-spec.ts|same key and body"
  "oidc-no-state-check|src/sso/oidc.service.ts|s/if \\(currentUrl.searchParams.get\\('state'\\) !== tx.state\\) throw new SignInRefused\\('state-mismatch'\\);//; s/expectedState: tx.state,/expectedState: oidc.skipStateCheck,/|test/e2e/sso.e2e-spec.ts|state is not"
  "oidc-link-unverified-email|src/sso/oidc-claims.ts|s/ && claims.email_verified === true//|test/e2e/sso.e2e-spec.ts|did not verify"
  "deputy-before-period|src/deputies/delegation-lookup.ts|s/ AND d.starts_at <= now\\(\\)//|test/e2e/deputies.e2e-spec.ts|only within the period"
  "deputy-no-reminders|src/reminders/recipients.ts|s/if \\(!DELEGABLE_ROLES.includes\\(party.role\\) /if (true /|test/e2e/deputies.e2e-spec.ts|reminders"
  # keeps the parameter referenced (always true): an unreferenced $n would be a SQL error, not a visibility bug
  "agency-every-country|src/workflow/proposals.repository.ts|s/ AND p.involved_countries \\@> (ARRAY\\[[^\\]]*\\]::text\\[\\])/ AND \$1 IS NOT NULL/; s/return row.agencyVisible && user.country !== null && row.involvedCountries.includes\\(user.country\\);/return row.agencyVisible;/|test/e2e/visibility-matrix.e2e-spec.ts|who may see a proposal"
)

want=("$@")
status=0
for m in "${mutations[@]}"; do
  IFS='|' read -r name file subst testfile pattern <<<"$m"
  if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then continue; fi
  git -C "$work" checkout -q -- .
  before=$(md5sum "$work/$file" | cut -d' ' -f1)
  perl -0pi -e "$subst" "$work/$file"
  if [ "$before" = "$(md5sum "$work/$file" | cut -d' ' -f1)" ]; then echo "$name: mutation did not apply (update this script)"; status=1; continue; fi
  if [ "$name" = "deliver-twice" ]; then
    # the unique key in the migration enforces it too: drop it in the scratch copy
    perl -0pi -e 's/,\n        UNIQUE \(schedule_id, user_id\)//' "$work/migrations/1795830000000-reminders.ts"
  fi
  (cd "$work" && npx nest build >/dev/null 2>&1) || { echo "$name: build failed"; status=1; continue; }
  if (cd "$work" && node --experimental-vm-modules node_modules/jest/bin/jest.js -c jest.e2e.config.js "$testfile" -t "$pattern" >"$work/$name.log" 2>&1); then
    echo "$name: MISSED (the test still passes: $testfile -t \"$pattern\")"; status=1
  else
    echo "$name: caught by $testfile -t \"$pattern\""
    # how it failed, so a reader can tell it failed for the right reason (not, say, a build or SQL error)
    grep -m6 -E '^\s+(●|Expected|Received|Error:|[-+] )' "$work/$name.log" | sed 's/^ */    /' || true
  fi
done
exit $status
