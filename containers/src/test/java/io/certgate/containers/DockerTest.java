package io.certgate.containers;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that runs the product's images in Docker: tagged {@code docker}, reported skipped (with
 * the reason) where no Docker engine answers, and failed instead when {@code CI=true}, so CI cannot
 * silently lose them.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("docker")
@ExtendWith(DockerRequired.class)
public @interface DockerTest {
}
