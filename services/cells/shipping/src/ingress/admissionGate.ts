/** Worker slots with an optional FIFO queue; what exceeds both is refused at once. */
export class AdmissionGate {
  #inFlight = 0;
  readonly #queue: (() => void)[] = [];

  get inFlight(): number {
    return this.#inFlight;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Resolves true when admitted (call exit() after), false when shed. */
  enter(limit: number, queueLimit: number): Promise<boolean> {
    if (this.#inFlight < limit) {
      this.#inFlight++;
      return Promise.resolve(true);
    }
    if (this.#queue.length >= queueLimit) {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => this.#queue.push(() => resolve(true)));
  }

  exit(): void {
    const waiting = this.#queue.shift();
    if (waiting !== undefined) {
      waiting(); // the slot passes straight to the first in the queue
    } else {
      this.#inFlight--;
    }
  }
}
