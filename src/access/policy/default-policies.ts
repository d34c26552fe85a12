/**
 * The policy set a new installation starts with (version 1): `policies/custos.cedar`, read once when this
 * module loads. Changing the live set afterwards goes through proposals and a second admin's approval
 * (policy.service.ts); this text only seeds it. The file's own comments explain its shape.
 */
import { readPolicyFile } from './policy-files.ts';

export const defaultPolicies: string = readPolicyFile('custos.cedar');
