package io.certgate.pdp.remote;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;

/**
 * OPA's {@code labels}: which PDP sent a decision log or status report. {@code id} is new at every
 * start (as OPA's), {@code version} is the product version.
 */
public record InstanceLabels(String id, String version) {

    /** Labels for this process: a random id and the version in the jar's manifest ({@code dev} outside one). */
    public static InstanceLabels forThisProcess() {
        String v = InstanceLabels.class.getPackage().getImplementationVersion();
        return new InstanceLabels(UUID.randomUUID().toString(), v == null ? "dev" : v);
    }

    /** Writes {@code id} and {@code version} into {@code target}. */
    public ObjectNode writeTo(ObjectNode target) {
        return target.put("id", id).put("version", version);
    }
}
