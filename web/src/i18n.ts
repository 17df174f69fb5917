import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './i18n/en.json';

// One catalogue per language; English is complete. Dates use the browser's locale (see format.ts).
void i18n.use(initReactI18next).init({
  resources: { en: { translation: en } },
  lng: 'en',
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});

export default i18n;
