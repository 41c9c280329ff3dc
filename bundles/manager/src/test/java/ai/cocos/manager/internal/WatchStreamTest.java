package ai.cocos.manager.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.proto.computations.v1.WatchResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Flow control of {@code Watch}: never blocks the registry, never buffers without bound. */
class WatchStreamTest {
  /** A call whose readiness the test decides. */
  private static final class Call extends ServerCallStreamObserver<WatchResponse> {
    boolean ready;
    Runnable onReady = () -> {};
    final List<Object> sent = new ArrayList<>();

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable r) {}

    @Override
    public void setCompression(String c) {}

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void setOnReadyHandler(Runnable r) {
      onReady = r;
    }

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int n) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void onNext(WatchResponse value) {
      sent.add(value.getEvent().getSeq());
    }

    @Override
    public void onError(Throwable t) {
      sent.add(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      sent.add("completed");
    }
  }

  private static EventRecord event(long seq) {
    return new EventRecord(
        seq, Instant.EPOCH, EventRecord.Kind.LOG, "agent", "", "", new byte[0], "info", "x", "");
  }

  @Test
  void sendsWhenTheClientIsReadyAndEndsAfterTheQueue() {
    Call call = new Call();
    WatchStream w = new WatchStream(call, 10);
    w.event(event(1));
    w.event(event(2));
    w.end();
    assertEquals(List.of(), call.sent, "nothing while the client is not ready");
    call.ready = true;
    call.onReady.run();
    assertEquals(List.of(1L, 2L, "completed"), call.sent);
    w.event(event(3));
    assertEquals(3, call.sent.size(), "nothing after the end");
  }

  @Test
  void aClientThatFallsTooFarBehindIsCutOffSayingHowToResume() {
    Call call = new Call();
    call.ready = true;
    WatchStream w = new WatchStream(call, 3);
    w.event(event(1));
    call.ready = false;
    for (int i = 2; i <= 5; i++) {
      w.event(event(i));
    }
    assertEquals(2, call.sent.size());
    Status s = (Status) call.sent.get(1);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode());
    assertTrue(s.getDescription().endsWith("watch again with after_seq=1"), s.getDescription());
  }
}
