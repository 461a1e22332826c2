package io.certgate.pdp.api.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.certgate.pdp.api.RequestJson;
import java.util.Map;

/**
 * Converts protobuf {@link Struct} to Jackson trees. Struct numbers are doubles on the wire; whole
 * numbers become JSON integers so policies see {@code 10}, not {@code 10.0}, exactly as over HTTP.
 */
final class StructJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = RequestJson.MAX_DEPTH;

    private StructJson() {}

    static ObjectNode toJson(Struct struct) {
        return object(struct, 0);
    }

    private static ObjectNode object(Struct struct, int depth) {
        ObjectNode out = F.objectNode();
        for (Map.Entry<String, Value> e : struct.getFieldsMap().entrySet()) {
            out.set(e.getKey(), value(e.getValue(), depth + 1));
        }
        return out;
    }

    private static JsonNode value(Value v, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("input is nested deeper than " + MAX_DEPTH + " levels");
        }
        return switch (v.getKindCase()) {
            case NULL_VALUE, KIND_NOT_SET -> F.nullNode();
            case BOOL_VALUE -> F.booleanNode(v.getBoolValue());
            case STRING_VALUE -> F.textNode(v.getStringValue());
            case NUMBER_VALUE -> number(v.getNumberValue());
            case STRUCT_VALUE -> object(v.getStructValue(), depth);
            case LIST_VALUE -> list(v.getListValue(), depth);
        };
    }

    private static JsonNode number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("input holds a non-finite number (" + d + ")");
        }
        if (d == Math.rint(d) && Math.abs(d) < 9.007199254740992E15) {
            return F.numberNode((long) d);
        }
        return F.numberNode(d);
    }

    private static ArrayNode list(ListValue list, int depth) {
        ArrayNode out = F.arrayNode(list.getValuesCount());
        for (Value v : list.getValuesList()) {
            out.add(value(v, depth + 1));
        }
        return out;
    }
}
