package ai.cocos.agent.internal.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the agent's call handlers need from a gRPC call besides its messages: the request metadata
 * (for signatures and CocosAI's {@code algo_type}, {@code algo_args}, {@code decompress}), whether
 * the call arrived over TLS, and response headers to add (CocosAI's {@code file-size}). {@link
 * Interceptor} captures it into the call's {@link Context}.
 */
final class CallContext {
  /** Where the interceptor puts the call's context. */
  static final Context.Key<CallContext> KEY = Context.key("cocos-agent-call");

  private final Map<String, List<String>> headers;
  private final boolean tls;
  private final Metadata responseHeaders = new Metadata();

  CallContext(Map<String, List<String>> headers, boolean tls) {
    this.headers = headers;
    this.tls = tls;
  }

  /**
   * The context of the call being handled.
   *
   * @return the context the interceptor captured; a plaintext call without metadata if none
   */
  static CallContext current() {
    CallContext c = KEY.get();
    return c != null ? c : new CallContext(Map.of(), false);
  }

  /**
   * The request metadata: text keys in lower case, each with all its values in order (binary {@code
   * -bin} keys are left out).
   *
   * @return the metadata, unmodifiable
   */
  Map<String, List<String>> headers() {
    return headers;
  }

  /**
   * The first value of a metadata key.
   *
   * @param key the key, lower case
   * @return its first value, or empty
   */
  Optional<String> first(String key) {
    List<String> values = headers.get(key);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /**
   * Whether the call arrived over TLS.
   *
   * @return {@code true} if the transport negotiated a TLS session
   */
  boolean tls() {
    return tls;
  }

  /**
   * Adds a response header, sent with the call's headers (before its first message).
   *
   * @param key the key
   * @param value the value
   */
  void responseHeader(Metadata.Key<String> key, String value) {
    synchronized (responseHeaders) {
      responseHeaders.put(key, value);
    }
  }

  private void addResponseHeadersTo(Metadata headers) {
    synchronized (responseHeaders) {
      headers.merge(responseHeaders);
    }
  }

  static Map<String, List<String>> textHeaders(Metadata metadata) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String key : metadata.keys()) {
      if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        continue;
      }
      Iterable<String> values =
          metadata.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
      List<String> list = new ArrayList<>();
      if (values != null) {
        values.forEach(list::add);
      }
      out.put(key.toLowerCase(Locale.ROOT), Collections.unmodifiableList(list));
    }
    return Collections.unmodifiableMap(out);
  }

  /** Captures each call's {@link CallContext} and adds its response headers when they are sent. */
  static final class Interceptor implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      boolean tls = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION) != null;
      CallContext context = new CallContext(textHeaders(headers), tls);
      ServerCall<Q, R> withHeaders =
          new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata h) {
              context.addResponseHeadersTo(h);
              super.sendHeaders(h);
            }
          };
      return Contexts.interceptCall(
          Context.current().withValue(KEY, context), withHeaders, headers, next);
    }
  }
}
