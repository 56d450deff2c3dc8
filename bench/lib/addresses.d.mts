/** The client address of the n-th request of a load whose every request comes from a new address. */
export function addressOf(n: number): string;
