/** HTTP header carrying the gateway's shared secret (compared with `tokensMatch` of `@tp/service-kit`). */
export const GATEWAY_TOKEN_HEADER = 'X-Gateway-Token';
