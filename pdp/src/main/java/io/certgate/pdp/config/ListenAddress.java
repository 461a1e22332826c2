package io.certgate.pdp.config;

import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.regex.Pattern;

/**
 * Where a server listens: an IP address or host name, and a port (0 = any free port).
 *
 * @param host an IPv4 or IPv6 literal (without brackets) or a host name, resolved when the server starts;
 *     {@code 0.0.0.0} or {@code ::} for every interface
 */
public record ListenAddress(String host, int port) {
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");
    private static final Pattern DIGITS_AND_DOTS = Pattern.compile("[0-9.]+");

    public ListenAddress {
        if (!isHost(host)) {
            throw new IllegalArgumentException("'" + host + "' is not an IP address or host name");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not in [0, 65535]");
        }
    }

    /**
     * OPA's {@code --addr} syntax: {@code host:port}, {@code [ipv6]:port}, or {@code :port} for every
     * interface (as {@code 0.0.0.0:port}).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static ListenAddress parse(String addr) {
        int colon = addr.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + addr + "' is not host:port (e.g. 0.0.0.0:8181)");
        }
        String host = addr.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (!host.contains(":")) {
                throw new IllegalArgumentException("'" + addr + "': brackets are for IPv6 addresses");
            }
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + addr + "': write an IPv6 address in brackets, e.g. [::1]:8181");
        }
        int port;
        try {
            port = Integer.parseInt(addr.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + addr + "' has no port number after the last ':'");
        }
        return new ListenAddress(host.isEmpty() ? "0.0.0.0" : host, port);
    }

    /** Whether {@code host} is an IP literal (IPv6 without brackets) or a syntactically valid host name. */
    public static boolean isHost(String host) {
        if (host.contains(":")) {
            return !host.startsWith("[") && NetUtil.isValidIpV6Address(host);
        }
        if (DIGITS_AND_DOTS.matcher(host).matches()) {
            // not a name (RFC 1123: the last label is not all digits), so it must be a dotted quad
            return NetUtil.isValidIpV4Address(host);
        }
        return host.length() <= 253 && HOST_NAME.matcher(host).matches();
    }

    /** The socket address to bind; resolves a host name (blocking). */
    public InetSocketAddress resolve() {
        InetSocketAddress a = new InetSocketAddress(host, port);
        if (a.isUnresolved()) {
            throw new IllegalArgumentException("cannot resolve listen address '" + host + "'");
        }
        return a;
    }

    /** {@code host:port} as in a URL ({@code [::1]:8181}). */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The address a server actually bound, as a URL authority ({@code [::]:8181} for the IPv6 wildcard). */
    public static String authority(InetSocketAddress bound) {
        return NetUtil.toSocketAddressString(bound);
    }
}
