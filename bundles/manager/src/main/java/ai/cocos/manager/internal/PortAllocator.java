package ai.cocos.manager.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hands out host ports from {@code MANAGER_QEMU_HOST_FWD_RANGE} (CocosAI §5.4): a port is free when
 * no VM of this manager holds it and it can be bound on the loopback address right now. Unlike
 * CocosAI, which takes whichever free port answers first, the lowest free port is taken, so the
 * choice is predictable. Thread-safe.
 */
final class PortAllocator {
  private static final Pattern RANGE = Pattern.compile("\\s*(\\d{1,5})\\s*-\\s*(\\d{1,5})\\s*");

  private final int first;
  private final int last;
  private final Set<Integer> held = new HashSet<>();

  /**
   * A range of ports.
   *
   * @param range {@code FIRST-LAST}, e.g. {@code 6100-6200}
   * @throws IllegalArgumentException if the range is malformed, out of 1-65535 or reversed
   */
  PortAllocator(String range) {
    Matcher m = RANGE.matcher(range);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "MANAGER_QEMU_HOST_FWD_RANGE must be FIRST-LAST, e.g. 6100-6200; found '" + range + "'");
    }
    first = Integer.parseInt(m.group(1));
    last = Integer.parseInt(m.group(2));
    if (first < 1 || last > 65535 || first > last) {
      throw new IllegalArgumentException(
          "MANAGER_QEMU_HOST_FWD_RANGE must be two ports 1-65535, the first not above the second;"
              + " found '"
              + range
              + "'");
    }
  }

  /**
   * The range as configured.
   *
   * @return e.g. {@code 6100-6200}
   */
  String range() {
    return first + "-" + last;
  }

  /**
   * Takes the lowest free port.
   *
   * @return the port, held until {@link #release}
   * @throws IOException {@code failed to allocate free port on host: ...} if none is free
   */
  synchronized int allocate() throws IOException {
    for (int port = first; port <= last; port++) {
      if (!held.contains(port) && bindable(port)) {
        held.add(port);
        return port;
      }
    }
    throw new IOException(
        "failed to allocate free port on host: every port of "
            + range()
            + " is in use (widen MANAGER_QEMU_HOST_FWD_RANGE or remove VMs)");
  }

  /**
   * Holds a port a re-attached VM already uses.
   *
   * @param port the port
   */
  synchronized void hold(int port) {
    held.add(port);
  }

  /**
   * Gives a port back.
   *
   * @param port the port
   */
  synchronized void release(int port) {
    held.remove(port);
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
