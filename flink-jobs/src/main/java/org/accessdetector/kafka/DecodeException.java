package org.accessdetector.kafka;

/** A record's bytes cannot be decoded; the message says why in a few words (it goes into a header). */
public final class DecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    public DecodeException(String reason) {
        super(reason, null, false, false);
    }
}
