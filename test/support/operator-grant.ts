/** The operator's API token as route authentication hands it to a service: for tests that call services directly. */
export const operatorActor = { type: 'api-token' as const, id: 'admin' };

export const operatorGrant = {
  actor: operatorActor,
  tokenId: 'admin',
  kind: 'operator' as const,
  ownerStaffId: null,
  scopes: ['staff_invite' as const],
};
