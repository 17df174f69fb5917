/** The password policy of local accounts: users, password changes and the bootstrap administrator. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;
/** Not only letters, not only digits, not one character repeated. */
export const PASSWORD_MIX = /^(?![a-zA-Z]+$)(?!\d+$)(?!(.)\1+$)/s;

/** Why a password breaks the policy (naming `field`), or null when it keeps it. */
export function passwordProblem(field: string, password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH)
    return `${field} must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH)
    return `${field} must be shorter than or equal to ${PASSWORD_MAX_LENGTH} characters`;
  if (!PASSWORD_MIX.test(password)) return `${field} is too weak: mix letters with digits or symbols`;
  return null;
}
