package io.certgate.pdp.pip;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A posture service's answer for one device: whether it knows the device, and its posture object as
 * served (empty for an unknown device, so every posture requirement fails).
 */
public record DevicePosture(boolean found, ObjectNode posture) {}
