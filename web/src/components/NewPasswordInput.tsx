import { PasswordInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** A new password, with the policy said beside it (the server enforces it and names the field). */
export function NewPasswordInput({
  value,
  onChange,
  error,
  label,
}: {
  value: string;
  onChange: (value: string) => void;
  error?: string;
  /** "New password" unless the page says otherwise ("Initial password" for a new account). */
  label?: string;
}) {
  const { t } = useTranslation();
  return (
    <PasswordInput
      label={label ?? t('me.password.new')}
      description={t('me.password.rule')}
      autoComplete="new-password"
      required
      value={value}
      error={error}
      // Mantine marks the inner input only with data-invalid; assistive technology needs aria-invalid.
      aria-invalid={error ? true : undefined}
      onChange={(e) => onChange(e.currentTarget.value)}
      visibilityToggleButtonProps={{ 'aria-label': t('signIn.showPassword') }}
    />
  );
}
