package io.certgate.pdp.decision;

/** The API a decision was asked through: the {@code protocol} label of the decision metrics. */
public enum Protocol {
    GRPC("grpc"),
    /** OPA's Data API, {@code /v1/data} and {@code /v0/data}. */
    REST("rest"),
    AUTHZEN("authzen"),
    EXT_AUTHZ("extauthz"),
    FORWARD_AUTH("forward_auth"),
    /** In-process callers: the gateway's embedded PDP, {@code pdp.jar decide}. */
    EMBEDDED("embedded");

    private final String label;

    Protocol(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
