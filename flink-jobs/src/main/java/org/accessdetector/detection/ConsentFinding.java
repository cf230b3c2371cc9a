package org.accessdetector.detection;

/**
 * The result of one {@link ConsentCheck}.
 *
 * @param failure why consent was missing, as a clause of a sentence; null when consent was in order
 */
public record ConsentFinding(ConsentCheck check, String failure) {}
