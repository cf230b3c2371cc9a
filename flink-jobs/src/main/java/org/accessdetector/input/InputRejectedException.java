package org.accessdetector.input;

/** An input record that cannot be used; the message is one plain sentence saying why. */
public final class InputRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    public InputRejectedException(String reason) {
        super(reason, null, false, false);
    }
}
