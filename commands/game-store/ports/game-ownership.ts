/** Which of these products the buyer already owns (a completed payment of an order holding it). */
export interface GameOwnership {
  ownedAmong(buyerId: string, productIds: readonly string[]): Promise<readonly string[]>;
}
