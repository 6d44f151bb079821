// Playback: one transport (whole decode or original, with a playhead) and one one-shot voice for events and stages.

export class Player {
  constructor(onTime, onMessage) {
    this.transport = new Audio();
    this.voice = new Audio();
    this.onTime = onTime;
    this.onMessage = onMessage;
    this.frame = 0;
    this.transport.addEventListener("ended", () => this.stop());
  }

  async play(url, fromS = 0) {
    this.voice.pause();
    if (this.transport.dataset.url !== url) {
      this.transport.src = url;
      this.transport.dataset.url = url;
    }
    this.transport.currentTime = fromS;
    try {
      await this.transport.play();
    } catch (e) {
      this.report(e);
      return;
    }
    const tick = () => {
      this.onTime(this.transport.currentTime);
      if (!this.transport.paused) this.frame = requestAnimationFrame(tick);
    };
    tick();
  }

  stop() {
    this.transport.pause();
    cancelAnimationFrame(this.frame);
    this.onTime(null);
  }

  async once(url) {
    this.stop();
    this.voice.src = url;
    try {
      await this.voice.play();
    } catch (e) {
      this.report(e);
    }
  }

  report(e) {
    // AbortError: a newer play, pause or source replaced this one, which is what the user asked for
    if (e.name !== "AbortError") this.onMessage(`cannot play: ${e.message}`);
  }

  get playing() {
    return !this.transport.paused;
  }
}
