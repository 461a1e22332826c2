package io.certgate.pep.support;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The upstream of gateway tests: counts requests and keeps their headers, answers 200 "upstream ok". */
public final class RecordingUpstream implements AutoCloseable {
    private final List<RequestHeaders> received = new CopyOnWriteArrayList<>();
    private final Server server;

    public RecordingUpstream() {
        server = Server.builder().http(0).service("prefix:/", (ctx, req) -> {
            received.add(req.headers());
            return HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "upstream ok");
        }).build();
        server.start().join();
    }

    public String url() {
        return "http://127.0.0.1:" + server.activeLocalPort();
    }

    public int count() {
        return received.size();
    }

    public RequestHeaders last() {
        return received.get(received.size() - 1);
    }

    public void reset() {
        received.clear();
    }

    @Override
    public void close() {
        server.stop().join();
    }
}
