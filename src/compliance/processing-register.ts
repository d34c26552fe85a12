/**
 * What Custos declares about each category of personal data it stores (GDPR art. 30, PIPL arts. 17, 54–56):
 * why it is processed (purposes, each with its legal basis), how long it is kept, and who receives it. The
 * categories are the vault's fields (`vault/customer-fields.ts`), handed in by the composition root; who may
 * reach each comes from the policy in force, not from here.
 *
 * Invariant: every stored field has an entry, and every entry names at least one purpose, a retention and
 * its recipients (test/compliance/records-of-processing.test.ts); a purpose is declared once with its
 * legal basis, so two fields cannot give one purpose two bases.
 */

/** Why data is processed, and on what legal basis under each law the installation may answer to. */
export interface ProcessingPurpose {
  description: string;
  legalBasis: { PIPL: string; GDPR: string; CCPA: string };
}

const contract = {
  PIPL: 'art. 13(1)(2): necessary to conclude or perform a contract the person is party to',
  GDPR: 'art. 6(1)(b): performance of a contract',
  CCPA: '§ 1798.140(e): business purpose — performing services for the consumer',
};

export const processingPurposes = {
  repair: { description: 'Serving a repair or service case the customer started', legalBasis: contract },
  billing: { description: 'Billing questions and payments the customer raised', legalBasis: contract },
  delivery: { description: 'Delivering goods or documents to the customer', legalBasis: contract },
  complaint: {
    description: "Handling the customer's complaint",
    legalBasis: {
      PIPL: 'art. 13(1)(2) and (3): contract, and statutory duties on complaints',
      GDPR: 'art. 6(1)(b) and (c): contract and legal obligation',
      CCPA: '§ 1798.140(e): business purpose',
    },
  },
  identity_check: {
    description: 'Checking who the customer is, with the customer present',
    legalBasis: {
      PIPL: 'art. 13(1)(3): statutory duty (real-name rules); sensitive data with separate necessity (art. 28)',
      GDPR: 'art. 6(1)(c): legal obligation',
      CCPA: '§ 1798.140(e): business purpose — security and integrity',
    },
  },
  account_recovery: {
    description: 'Giving the customer back access to their account',
    legalBasis: contract,
  },
  security_audit: {
    description: 'Recording every access in the ledger and watching for insider misuse',
    legalBasis: {
      PIPL: 'art. 51 and CSL art. 21: security measures and network logs',
      GDPR: 'art. 6(1)(c) with art. 32: security of processing',
      CCPA: '§ 1798.140(e)(2): business purpose — security and integrity',
    },
  },
  customer_rights: {
    description: "Answering the customer's own requests (access, export, correction, erasure)",
    legalBasis: {
      PIPL: 'arts. 44–50: the individual’s rights',
      GDPR: 'art. 6(1)(c) with arts. 12–22',
      CCPA: '§§ 1798.100–1798.130: consumer rights',
    },
  },
} as const satisfies Record<string, ProcessingPurpose>;
export type ProcessingPurposeName = keyof typeof processingPurposes;

/** One category of stored data, as declared. */
export interface CategoryDeclaration {
  category: string;
  purposes: readonly ProcessingPurposeName[];
  retention: string;
  recipients: readonly string[];
}

const whileCustomer =
  'While the customer relationship lasts; destroyed by crypto-shredding on erasure (the key goes, every copy with it). ' +
  'Ledger entries name the field only, never its value, and are kept at least the retention floor.';
const rights = ['security_audit', 'customer_rights'] as const;
const staffOnly = ['Staff of the roles listed, through a case (plaintext only by reveal, ledgered)'];
const withExports = [
  ...staffOnly,
  "Approved record exports (a second person's approval; customers who withdrew consent or opted out of sale/sharing are left out)",
];

/** Every stored field: its category, purposes, retention, recipients. Keyed by the vault's field name. */
export const categoryDeclarations: Readonly<Record<string, CategoryDeclaration>> = {
  name: {
    category: 'Identification: name',
    purposes: ['repair', 'billing', 'delivery', 'complaint', 'identity_check', 'account_recovery', ...rights],
    retention: whileCustomer,
    recipients: withExports,
  },
  phone: {
    category: 'Contact: phone number',
    purposes: ['repair', 'delivery', 'complaint', 'account_recovery', ...rights],
    retention: whileCustomer,
    recipients: [...withExports, 'The customer, for notices about their data (SMS)'],
  },
  email: {
    category: 'Contact: email address',
    purposes: ['complaint', 'account_recovery', ...rights],
    retention: whileCustomer,
    recipients: [...withExports, 'The customer, for notices about their data (email over SMTP)'],
  },
  account_id: {
    category: 'Identifier: customer account number',
    purposes: ['billing', 'identity_check', 'account_recovery', ...rights],
    retention: whileCustomer,
    recipients: withExports,
  },
  national_id: {
    category: 'Sensitive (PIPL art. 28): national identity number',
    purposes: ['identity_check', ...rights],
    retention: whileCustomer,
    recipients: [
      'Staff of the roles listed, only with the customer present and a second person’s approval; never exported',
    ],
  },
  address: {
    category: 'Contact: postal address',
    purposes: ['billing', 'delivery', ...rights],
    retention: whileCustomer,
    recipients: withExports,
  },
  birth_date: {
    category: 'Identification: date of birth',
    purposes: ['identity_check', ...rights],
    retention: whileCustomer,
    recipients: withExports,
  },
  attributes: {
    category: 'Other: free-form attributes the organisation keeps about the customer',
    purposes: ['repair', 'complaint', ...rights],
    retention: whileCustomer,
    recipients: staffOnly,
  },
};
