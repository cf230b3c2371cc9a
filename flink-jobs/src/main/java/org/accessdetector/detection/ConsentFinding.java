package org.accessdetector.detection;

/**
 * The result of one {@link ConsentCheck}.
 *
 * @param failure why consent was missing, as a clause of a sentence; null when consent was in order
 * @param revision whether this finding revises a check already reported as passed (a late consent event
 *     withdrew consent): it stands on its own rather than waiting for the call's other checks
 */
public record ConsentFinding(ConsentCheck check, String failure, boolean revision) {}
