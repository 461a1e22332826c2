package io.certgate.pdp.decision;

/** Why a decision came out as it did: a stable machine code and a human message. */
public record Reason(String code, String message) {}
