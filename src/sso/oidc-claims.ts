// Reading what an identity provider says about a person: defensive, because claims are whatever the
// provider (or a proxy such as MyAcademicID in front of a university's IdP) chose to send.

export type Claims = Record<string, unknown>;

/** The home-organisation domains (`schac_home_organization`, single- or multi-valued), lower case. */
export function organisationsOf(claims: Claims): string[] {
  const value = claims.schac_home_organization;
  const list = Array.isArray(value) ? value : [value];
  return [
    ...new Set(
      list
        .filter((v): v is string => typeof v === 'string')
        .map((v) => v.trim().toLowerCase())
        .filter((v) => v.length > 0 && v.length <= 253),
    ),
  ];
}

/** The e-mail address when the provider vouches for it (`email_verified: true`), else null. */
export function verifiedEmailOf(claims: Claims): string | null {
  const email = emailOf(claims);
  return email && claims.email_verified === true ? email : null;
}

export function emailOf(claims: Claims): string | null {
  const email = claims.email;
  if (typeof email !== 'string') return null;
  const e = email.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+$/.test(e) && e.length <= 254 ? e : null;
}

/** `name`, else given and family name, else the e-mail's local part; at most 200 characters. */
export function displayNameOf(claims: Claims, email: string): string {
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const name =
    str(claims.name) || [str(claims.given_name), str(claims.family_name)].filter(Boolean).join(' ');
  return (name || email.split('@')[0] || 'New user').slice(0, 200);
}

/** Domain names as institutions list them: lower-case labels of letters, digits and hyphens, a dot between. */
export const DOMAIN_NAME =
  /^(?=.{3,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
