package io.certgate.pdp.api.forwardauth;

import com.linecorp.armeria.common.annotation.Nullable;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The upstream behind a proxy under test: an HTTP/1.x server on a plain socket that records every request
 * head exactly as the proxy sent it (target and header names unparsed) and answers 200 "upstream reached".
 * A real framework refuses targets such as {@code /public/../admin} itself, which would hide a proxy that
 * lets them through; this one accepts anything, so a test can tell what reached the upstream.
 */
final class RawUpstream implements AutoCloseable {
    static final String BODY = "upstream reached";
    private static final int MAX_HEAD = 64 * 1024;

    /** One request head as received: method, raw target and headers in order, names as sent. */
    record Request(String method, String target, List<Map.Entry<String, String>> headers) {
        Request {
            headers = List.copyOf(headers);
        }

        /** The first value of {@code name} (case-insensitive), or null. */
        @Nullable
        String get(String name) {
            List<String> all = getAll(name);
            return all.isEmpty() ? null : all.get(0);
        }

        /** Every value of {@code name} (case-insensitive, exact spelling otherwise). */
        List<String> getAll(String name) {
            return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                    .toList();
        }
    }

    private final ServerSocket socket;
    private final List<Request> received = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    RawUpstream() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::serve, "raw-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    /** Every request received since the last {@link #clear()}, oldest first. */
    List<Request> received() {
        return List.copyOf(received);
    }

    /** The one request received since the last {@link #clear()}; fails if there were none or several. */
    Request only() {
        List<Request> all = received();
        if (all.size() != 1) {
            throw new AssertionError("expected exactly one request at the upstream, got " + all);
        }
        return all.get(0);
    }

    void clear() {
        received.clear();
    }

    @Override
    public void close() throws Exception {
        socket.close();
        acceptor.join(10_000);
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (Socket s = socket.accept()) {
                s.setSoTimeout(10_000);
                String head = readHead(new BufferedInputStream(s.getInputStream()));
                if (head.isEmpty()) {
                    continue;
                }
                // recorded before answering (so it is visible once the client has the response), and
                // whatever it looks like: an unreadable request that reached the upstream still reached it
                received.add(parse(head));
                byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            } catch (IOException closedOrHungUp) {
                // close(), or the proxy went away mid-request: nothing to answer
            }
        }
    }

    /** The bytes up to the blank line that ends the head, or as many as arrived before EOF or the limit. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while (matched < 4 && head.size() < MAX_HEAD && (b = in.read()) >= 0) {
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** Lenient: a line that does not parse is kept whole, as a header name with an empty value. */
    private static Request parse(String head) {
        String[] lines = head.split("\r\n");
        String requestLine = lines[0];
        int first = requestLine.indexOf(' ');
        int last = requestLine.lastIndexOf(' ');
        String method = first < 0 ? requestLine : requestLine.substring(0, first);
        String target = first < 0 ? "" : last > first ? requestLine.substring(first + 1, last)
                : requestLine.substring(first + 1);
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.add(colon < 0 ? Map.entry(lines[i], "")
                    : Map.entry(lines[i].substring(0, colon), lines[i].substring(colon + 1).strip()));
        }
        return new Request(method, target, headers);
    }
}
