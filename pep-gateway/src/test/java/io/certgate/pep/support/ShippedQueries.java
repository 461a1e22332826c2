package io.certgate.pep.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names the shipped Grafana dashboard and Prometheus alert rules query. */
public final class ShippedQueries {
    private static final List<String> FILES = List.of("../deploy/grafana/certgate.json",
            "../deploy/prometheus/alerts.yaml");
    private static final Pattern NAME = Pattern.compile("\\b((?:pdp|pep|gateway|certgate|cache|armeria|jvm)_[a-z_]+)");

    private ShippedQueries() {}

    /** Every metric name in the dashboard and the alert rules, sorted. */
    public static Set<String> metricNames() {
        Set<String> names = new TreeSet<>();
        for (String file : FILES) {
            try {
                Matcher m = NAME.matcher(Files.readString(Path.of(file)));
                while (m.find()) {
                    names.add(m.group(1));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return names;
    }
}
