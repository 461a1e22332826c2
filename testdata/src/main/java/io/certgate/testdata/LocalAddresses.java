package io.certgate.testdata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.Collections;

/** This machine's addresses, for tests of which interfaces a server listens on. */
public final class LocalAddresses {
    private LocalAddresses() {}

    /** A non-loopback IPv4 address of an interface that is up, or null when the machine has none. */
    public static InetAddress nonLoopback() {
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nic.isUp() && !nic.isLoopback()) {
                    for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                        if (a instanceof Inet4Address && !a.isLinkLocalAddress()) {
                            return a;
                        }
                    }
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a TCP connection to {@code address:port} is refused: nothing listens there. */
    public static boolean refuses(InetAddress address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 10_000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("neither accepted nor refused: " + address + ":" + port, e);
        }
    }
}
