package io.predictor.admin;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT (drain and stop) and SIGHUP (reload), handled from the first moment of a
 * start. Until the program is serving, a signal is remembered and acted on once it is: the
 * JVM's own handlers would end a starting process at once — SIGHUP with 129 (a reload sent
 * right after a restart), SIGTERM with 143 and no drain, even after the listeners took traffic
 * (found by review). Each action runs on a thread of its own, as a signal handler must not block.
 */
final class SignalHandlers {

    private Runnable stop;
    private Runnable reload;
    private boolean stopWanted;
    private boolean reloadWanted;

    private SignalHandlers() {
    }

    /** Installs the handlers now; {@link #serving} gives them something to do. */
    static SignalHandlers install() {
        SignalHandlers h = new SignalHandlers();
        Signal.handle(new Signal("TERM"), s -> h.stopSignal());
        Signal.handle(new Signal("INT"), s -> h.stopSignal());
        Signal.handle(new Signal("HUP"), s -> h.reloadSignal());
        return h;
    }

    /** The program serves: signals act from now on, and one that came during the start acts now. */
    synchronized void serving(Runnable stopAction, Runnable reloadAction) {
        this.stop = stopAction;
        this.reload = reloadAction;
        if (reloadWanted) {
            reloadWanted = false;
            run(reload, "predictor-reload");
        }
        if (stopWanted) {
            run(stop, "predictor-drain");
        }
    }

    private synchronized void stopSignal() {
        if (stop == null) {
            stopWanted = true;
        } else {
            run(stop, "predictor-drain");
        }
    }

    private synchronized void reloadSignal() {
        if (reload == null) {
            reloadWanted = true; // the start reads the sites file and certificates anyway; one reload after it
        } else {
            run(reload, "predictor-reload");
        }
    }

    private static void run(Runnable action, String name) {
        new Thread(action, name).start();
    }
}
