package io.certgate.pdp.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.linecorp.armeria.common.annotation.Nullable;
import java.util.List;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/** Reads the text of a YAML (or JSON) configuration file, for {@code pdp.yaml} and {@code gateway.yaml} alike. */
public final class ConfigYaml {
    private ConfigYaml() {}

    /**
     * The document's tree, or null when it is empty. Duplicate keys are an error: YAML forbids them, and
     * a second {@code verify:} would otherwise silently override the first.
     *
     * @param name labels the error message
     * @throws ConfigException on a syntax error or duplicate key, with its line and column
     */
    @Nullable
    public static JsonNode read(String yaml, String name) throws ConfigException {
        JsonNode tree;
        try {
            // not YAMLFactory.builder(): its parsers read empty values as "" instead of null
            YAMLFactory factory = new YAMLFactory();
            factory.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            tree = new ObjectMapper(factory).readTree(yaml);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            int line = at == null ? -1 : at.getLineNr();
            int column = at == null ? -1 : at.getColumnNr();
            // Jackson reports where its last token was; SnakeYAML knows where the problem is.
            if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
                line = m.getProblemMark().getLine() + 1;
                column = m.getProblemMark().getColumn() + 1;
            }
            throw new ConfigException(name, List.of((line > 0 ? "line " + line + ", column " + column + ": " : "")
                    + "not valid YAML: " + e.getOriginalMessage()));
        }
        return tree == null || tree.isMissingNode() || tree.isNull() ? null : tree;
    }
}
