/** Which of these products the buyer already owns (in the library: bought and not refunded). */
export interface GameOwnership {
  ownedAmong(buyerId: string, productIds: readonly string[]): Promise<readonly string[]>;
}
