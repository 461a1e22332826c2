package io.certgate.pdp.opa;

import com.linecorp.armeria.common.annotation.Nullable;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the external tools (opa, regal, go) with a timeout, capturing their combined output. */
final class Processes {
    private Processes() {}

    record Result(int exitCode, String output) {}

    /**
     * @param dir working directory, or null for the current one
     * @param env variables added to the inherited environment
     * @param stdin text written to the tool's standard input, or null
     */
    static Result run(List<String> cmd, @Nullable Path dir, Map<String, String> env, @Nullable String stdin,
            long timeoutSeconds) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new OpaToolchainException(cmd + " did not finish within " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new OpaToolchainException("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpaToolchainException("interrupted while running " + cmd, e);
        }
    }

    /** Like {@link #run} but fails with the tool's output on a non-zero exit. */
    static String require(String what, List<String> cmd, @Nullable Path dir, Map<String, String> env,
            @Nullable String stdin, long timeoutSeconds) {
        Result r = run(cmd, dir, env, stdin, timeoutSeconds);
        if (r.exitCode() != 0) {
            throw new OpaToolchainException(what + " failed (exit " + r.exitCode() + "):\n" + r.output());
        }
        return r.output();
    }

    @Nullable
    static Path findOnPath(String name, @Nullable String pathVar) {
        if (pathVar == null) {
            return null;
        }
        for (String dir : pathVar.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }
}
