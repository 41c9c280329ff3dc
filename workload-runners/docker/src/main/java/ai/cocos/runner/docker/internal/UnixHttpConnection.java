package ai.cocos.runner.docker.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One HTTP/1.1 exchange (RFC 9112) with a container engine over a unix-domain socket: one request,
 * then its response, streamed. Each exchange has its own connection ({@code Connection: close}),
 * which costs microseconds on a local socket and keeps the client free of connection reuse.
 *
 * <p>{@link #close()} may be called from any thread at any time, also while another thread is
 * blocked sending or reading; that is how a stop or a time limit aborts an image upload or a wait.
 *
 * <p>Why not a library: the JDK's HTTP client cannot use unix sockets, and docker-java with its
 * transports would add several megabytes of jars to the guest image for the dozen calls made here.
 */
final class UnixHttpConnection implements Closeable {
  /** The longest status line plus header block accepted from the engine. */
  static final int MAX_HEAD_BYTES = 64 * 1024;

  private static final int SWITCHING_PROTOCOLS = 101;

  private final SocketChannel channel;
  private final OutputStream out;
  private final InputStream in;
  private final AtomicBoolean closed = new AtomicBoolean();
  private int status;
  private Map<String, String> headers = Map.of();
  private InputStream body;

  private UnixHttpConnection(SocketChannel channel) {
    this.channel = channel;
    this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 16 * 1024);
    this.in = new BufferedInputStream(Channels.newInputStream(channel), 64 * 1024);
  }

  /**
   * Connects to the socket.
   *
   * @param socket the engine's socket file
   * @return the connection, ready for one request
   * @throws IOException if nothing accepts connections there
   */
  static UnixHttpConnection open(Path socket) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return new UnixHttpConnection(channel);
  }

  /**
   * Sends a request with an in-memory body (or none).
   *
   * @param method the method
   * @param target the request target (path and query, already encoded)
   * @param extraHeaders further header lines ({@code Name: value})
   * @param contentType the body's type, or {@code null} without a body
   * @param body the body, or {@code null}
   * @throws IOException if the connection fails
   */
  void send(
      String method, String target, List<String> extraHeaders, String contentType, byte[] body)
      throws IOException {
    writeHead(method, target, extraHeaders, contentType, body == null ? -1 : body.length);
    if (body != null) {
      out.write(body);
    }
    out.flush();
  }

  /**
   * Sends a request whose body is a file, streamed from disk (never whole in memory).
   *
   * @param method the method
   * @param target the request target
   * @param contentType the body's type
   * @param file the file to send
   * @throws IOException if the file cannot be read or the connection fails
   */
  void send(String method, String target, String contentType, Path file) throws IOException {
    try (FileChannel source = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = source.size();
      writeHead(method, target, List.of(), contentType, size);
      out.flush();
      long sent = 0;
      while (sent < size) {
        long n = source.transferTo(sent, size - sent, channel);
        if (n <= 0 && !channel.isOpen()) {
          throw new EOFException("connection closed while sending " + file);
        }
        sent += n;
      }
    }
  }

  private void writeHead(
      String method, String target, List<String> extraHeaders, String contentType, long length)
      throws IOException {
    StringBuilder head = new StringBuilder(256);
    head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    // RFC 9112 §3.2: Host is required; the engine ignores its value on a unix socket.
    head.append("Host: docker\r\n");
    head.append("User-Agent: cocos-runner-docker\r\n");
    boolean upgrade = false;
    for (String h : extraHeaders) {
      upgrade |= h.regionMatches(true, 0, "Upgrade:", 0, 8);
      head.append(h).append("\r\n");
    }
    if (!upgrade) {
      head.append("Connection: close\r\n");
    }
    if (contentType != null) {
      head.append("Content-Type: ").append(contentType).append("\r\n");
    }
    if (length >= 0) {
      head.append("Content-Length: ").append(length).append("\r\n");
    }
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * Reads the response's status line and headers, skipping interim (1xx) responses other than 101.
   *
   * @return the status code
   * @throws IOException if the connection fails or the response is not HTTP/1.x
   */
  int readHead() throws IOException {
    while (true) {
      byte[] head = readHeadBytes();
      String text = new String(head, StandardCharsets.ISO_8859_1);
      String[] lines = text.split("\r\n");
      String statusLine = lines[0];
      // RFC 9112 §4: HTTP-version SP status-code SP [ reason-phrase ]
      if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
        throw new ProtocolException("not an HTTP/1.x response: " + printable(statusLine));
      }
      try {
        status = Integer.parseInt(statusLine.substring(9, 12));
      } catch (NumberFormatException e) {
        throw new ProtocolException("bad HTTP status line: " + printable(statusLine));
      }
      Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          h.merge(
              lines[i].substring(0, colon).trim(),
              lines[i].substring(colon + 1).trim(),
              (a, b) -> a + ", " + b);
        }
      }
      headers = h;
      if (status >= 100 && status < 200 && status != SWITCHING_PROTOCOLS) {
        continue; // e.g. 100 Continue
      }
      body = bodyStream();
      return status;
    }
  }

  /** The status code read by {@link #readHead()}. */
  int status() {
    return status;
  }

  /**
   * A response header.
   *
   * @param name its name, any case
   * @return its value, or {@code null}
   */
  String header(String name) {
    return headers.get(name);
  }

  /**
   * The response body as it arrives, framed per RFC 9112 §6.3: chunked, by Content-Length, until
   * the connection closes, or after a 101 response the raw connection.
   *
   * @return the body stream
   */
  InputStream body() {
    if (body == null) {
      throw new IllegalStateException("readHead() was not called");
    }
    return body;
  }

  /**
   * Reads the whole body.
   *
   * @param max the largest body accepted
   * @return its bytes
   * @throws IOException if it is longer than {@code max} or the connection fails
   */
  byte[] readBody(int max) throws IOException {
    byte[] bytes = body().readNBytes(max);
    if (body.read() >= 0) {
      throw new ProtocolException("engine response is longer than " + max + " bytes");
    }
    return bytes;
  }

  /**
   * Whether {@link #close()} was called.
   *
   * @return {@code true} once closed
   */
  boolean isClosed() {
    return closed.get();
  }

  /** Closes the connection; a thread blocked on it gets an exception. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        channel.close();
      } catch (IOException e) {
        // closing a unix socket does not fail in a way that matters here
      }
    }
  }

  private byte[] readHeadBytes() throws IOException {
    byte[] buf = new byte[1024];
    int n = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException(
            n == 0 ? "engine closed the connection without answering" : "truncated HTTP response");
      }
      if (n == buf.length) {
        if (n >= MAX_HEAD_BYTES) {
          throw new ProtocolException("HTTP response head exceeds " + MAX_HEAD_BYTES + " bytes");
        }
        buf = java.util.Arrays.copyOf(buf, n * 2);
      }
      buf[n++] = (byte) b;
      if (n >= 4 && buf[n - 4] == '\r' && buf[n - 3] == '\n' && buf[n - 2] == '\r' && b == '\n') {
        return java.util.Arrays.copyOf(buf, n - 4);
      }
    }
  }

  private InputStream bodyStream() throws IOException {
    if (status == SWITCHING_PROTOCOLS) {
      return in;
    }
    if (status == 204 || status == 304) {
      return InputStream.nullInputStream();
    }
    String te = header("Transfer-Encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      return new ChunkedInputStream(in);
    }
    String cl = header("Content-Length");
    if (cl != null) {
      long length;
      try {
        length = Long.parseLong(cl.trim());
      } catch (NumberFormatException e) {
        throw new ProtocolException("bad Content-Length: " + printable(cl));
      }
      if (length < 0) {
        throw new ProtocolException("bad Content-Length: " + printable(cl));
      }
      return new BoundedInputStream(in, length);
    }
    return in; // until the engine closes the connection
  }

  private static String printable(String s) {
    String cut = s.length() > 120 ? s.substring(0, 120) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /** A body of known length. */
  private static final class BoundedInputStream extends FilterInputStream {
    private long left;

    BoundedInputStream(InputStream in, long length) {
      super(in);
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = in.read();
      if (b < 0) {
        throw new EOFException("engine response ended " + left + " bytes early");
      }
      left--;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("engine response ended " + left + " bytes early");
      }
      left -= n;
      return n;
    }
  }

  /** RFC 9112 §7.1 chunked transfer coding: {@code size[;ext] CRLF data CRLF ... 0 CRLF CRLF}. */
  static final class ChunkedInputStream extends FilterInputStream {
    private static final int MAX_SIZE_LINE = 1024;
    private long left;
    private boolean done;

    ChunkedInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!nextChunk()) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("engine response ended inside a chunk");
      }
      left -= n;
      if (left == 0) {
        expectCrlf();
      }
      return n;
    }

    @Override
    public int available() throws IOException {
      return done ? 0 : (int) Math.min(left, in.available());
    }

    /** Positions at data of a non-empty chunk; false once the last chunk was read. */
    private boolean nextChunk() throws IOException {
      if (done) {
        return false;
      }
      if (left > 0) {
        return true;
      }
      String line = readLine();
      int semicolon = line.indexOf(';');
      String hex = (semicolon >= 0 ? line.substring(0, semicolon) : line).trim();
      try {
        left = Long.parseLong(hex, 16);
      } catch (NumberFormatException e) {
        throw new ProtocolException("bad chunk size line in engine response");
      }
      if (left < 0) {
        throw new ProtocolException("bad chunk size in engine response");
      }
      if (left == 0) {
        // Trailer section: header lines until an empty one.
        while (!readLine().isEmpty()) {
          // trailers are not used by the engine API
        }
        done = true;
        return false;
      }
      return true;
    }

    private void expectCrlf() throws IOException {
      if (!readLine().isEmpty()) {
        throw new ProtocolException("chunk data not followed by CRLF in engine response");
      }
    }

    private String readLine() throws IOException {
      StringBuilder sb = new StringBuilder();
      while (true) {
        int c = in.read();
        if (c < 0) {
          throw new EOFException("engine response ended inside chunk framing");
        }
        if (c == '\n') {
          int len = sb.length();
          if (len > 0 && sb.charAt(len - 1) == '\r') {
            sb.setLength(len - 1);
          }
          return sb.toString();
        }
        if (sb.length() >= MAX_SIZE_LINE) {
          throw new ProtocolException("chunk framing line too long in engine response");
        }
        sb.append((char) c);
      }
    }
  }
}
