package io.certgate.containers;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/** The condition behind {@link DockerTest}. */
final class DockerRequired implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (DockerClientFactory.instance().isDockerAvailable()) {
            return ConditionEvaluationResult.enabled("a Docker engine answers");
        }
        String reason = "no Docker engine answers (start dockerd, or set DOCKER_HOST; docs/operations.md, \"Containers\")";
        if ("true".equals(System.getenv("CI"))) {
            // a thrown exception fails the class; a disabled result would only be counted as skipped
            throw new ExtensionConfigurationException("CI=true and " + reason
                    + ": the docker-tagged tests must run in CI");
        }
        return ConditionEvaluationResult.disabled(reason);
    }
}
