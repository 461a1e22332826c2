package io.certgate.pdp.cert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits fuzz input into consecutive DER elements by their outer tag and length, so that one input holds a
 * chain of certificates (leaf first) as a TLS peer sends it. A length that runs past the end takes the rest.
 */
final class DerElements {
    private DerElements() {}

    static List<byte[]> split(byte[] bytes) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        while (start < bytes.length) {
            int end = end(bytes, start);
            out.add(Arrays.copyOfRange(bytes, start, end));
            start = end;
        }
        return out;
    }

    /** Where the element starting at {@code start} ends (single-byte tag; definite lengths of up to 4 bytes). */
    private static int end(byte[] b, int start) {
        int i = start + 1;
        if (i >= b.length) {
            return b.length;
        }
        int first = b[i++] & 0xff;
        long length = first;
        if (first >= 0x80) {
            int n = first & 0x7f;
            if (n == 0 || n > 4 || i + n > b.length) {
                return b.length;
            }
            length = 0;
            for (int k = 0; k < n; k++) {
                length = length << 8 | (b[i++] & 0xff);
            }
        }
        return (int) Math.min(b.length, i + length);
    }
}
