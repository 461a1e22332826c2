package io.certgate.pdp.audit;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * {@code decision_logs.mask}: JSON pointers into a decision event, erased as OPA's {@code erase}
 * does (the field is removed and its pointer listed in the event's {@code erased}). Only
 * {@code input} and {@code result} can be masked, as in OPA.
 */
final class MaskRules {
    private final List<JsonPointer> pointers;
    private final List<String> texts;

    MaskRules(List<String> pointers) {
        this.texts = List.copyOf(pointers);
        this.pointers = pointers.stream().map(JsonPointer::compile).toList();
    }

    /** Reports, per index, what is wrong with each pointer. */
    static void validate(List<String> pointers, BiConsumer<Integer, String> error) {
        for (int i = 0; i < pointers.size(); i++) {
            String p = pointers.get(i);
            try {
                JsonPointer ptr = JsonPointer.compile(p);
                String root = ptr.getMatchingProperty();
                if (ptr.matches() || ptr.tail().matches() || !("input".equals(root) || "result".equals(root))) {
                    error.accept(i, "must be a JSON pointer below /input or /result "
                            + "(e.g. /input/request/headers/authorization), got '" + p + "'");
                }
            } catch (IllegalArgumentException e) {
                error.accept(i, "is not a JSON pointer (" + e.getMessage() + "), got '" + p + "'");
            }
        }
    }

    /** The older dotted form ({@code request.headers.authorization}) as a pointer below {@code /input}. */
    static String fromDottedInputPath(String dotted) {
        StringBuilder b = new StringBuilder("/input");
        for (String segment : dotted.split("\\.", -1)) {
            b.append('/').append(segment.replace("~", "~0").replace("/", "~1"));
        }
        return b.toString();
    }

    /**
     * Erases the masked fields of {@code event}. The {@code input} and {@code result} it holds belong to
     * the caller, so the first erasure replaces them by copies.
     *
     * @return the erased pointers, in configuration order
     */
    List<String> apply(ObjectNode event) {
        List<String> erased = new ArrayList<>(0);
        boolean copied = false;
        for (int i = 0; i < pointers.size(); i++) {
            JsonPointer p = pointers.get(i);
            if (event.at(p).isMissingNode()) {
                continue;
            }
            if (!copied) {
                copy(event, "input");
                copy(event, "result");
                copied = true;
            }
            JsonNode parent = event.at(p.head());
            String last = p.last().getMatchingProperty();
            if (parent instanceof ObjectNode obj) {
                obj.remove(last);
            } else if (parent instanceof ArrayNode arr) {
                arr.remove(p.last().getMatchingIndex());
            }
            erased.add(texts.get(i));
        }
        return erased;
    }

    private static void copy(ObjectNode event, String field) {
        JsonNode v = event.get(field);
        if (v != null && v.isContainerNode()) {
            event.set(field, v.deepCopy());
        }
    }
}
