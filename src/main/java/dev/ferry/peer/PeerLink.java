package dev.ferry.peer;

import dev.ferry.protocol.Cancel;
import dev.ferry.protocol.Credit;
import dev.ferry.protocol.Data;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.ErrorMessage;
import dev.ferry.protocol.FrameReader;
import dev.ferry.protocol.FrameWriter;
import dev.ferry.protocol.Goodbye;
import dev.ferry.protocol.Handshake;
import dev.ferry.protocol.Hello;
import dev.ferry.protocol.HelloAck;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.MessageCodec;
import dev.ferry.protocol.Ping;
import dev.ferry.protocol.Pong;
import dev.ferry.protocol.Protocol;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.Request;
import dev.ferry.protocol.Response;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open connection to a peer, speaking the Ferry peer protocol (docs/protocol.md) over an authenticated
 * {@link Transport}. This is the one large class of the package: the reader loop, the prioritised writer,
 * request matching, flow control and liveness share its state and are easier to check side by side.
 *
 * <p><b>Threads.</b> A reader thread decodes frames and dispatches them; it never blocks on anything but the
 * socket (handlers run on virtual threads of their own; stream pieces go to bounded {@link IncomingStream}s).
 * A writer thread drains two queues: control messages (Hello, Ping, Credit, Response, Error...) always go
 * before bulk Data, so a Ping or a small response is never stuck behind a transfer; the Data queue is short
 * and producers wait on it, and a producer also waits for the peer's Credit, so a slow reader makes the
 * sender wait instead of buffer. {@link #tick} is called about once a second by the owner to send Pings on
 * idle links, close stale ones and expire requests. Public methods are thread-safe.
 *
 * <p><b>Errors.</b> Any protocol violation by the peer (malformed frame, a response to a request never made,
 * a Ping flood, a second Hello) sends an Error frame, closes the link and is logged once; nothing else in the
 * daemon is affected.
 */
public final class PeerLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerLink.class);
    private static final int DATA_QUEUE = 16;
    private static final int WRITE_BUFFER = 256 << 10;
    /**
     * Payload of the Data pieces this side streams: a whole frame is then exactly 64 KiB, four full TLS records,
     * instead of four records and a ten-byte one (the knob ferry.stream.piece is for experiments).
     */
    static final int STREAM_PIECE = Integer.getInteger("ferry.stream.piece",
            Protocol.RECOMMENDED_CHUNK - Protocol.LENGTH_SIZE - Protocol.HEADER_SIZE);
    private static final int CONTROL_QUEUE = 10_000;

    /** Told once when the link is closed, whatever the cause. */
    public interface Listener {
        void closed(PeerLink link, String reason);
    }

    private final Transport transport;
    private final boolean outgoing;
    private final LinkSettings settings;
    private final Clock clock;
    private final RequestHandler handler;
    private final CountingStreams counters;
    private final FrameReader reader;
    private final FrameWriter writer;
    private volatile Handshake remote;
    private volatile Hello sent;
    private volatile List<String> commonFeatures = List.of();
    private volatile Listener listener = (l, r) -> { };

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition dataSpace = lock.newCondition();
    private final ArrayDeque<Message> control = new ArrayDeque<>();
    /** Whole Data frames, encoded by their producers (their payload was read straight into the frame array). */
    private final ArrayDeque<byte[]> data = new ArrayDeque<>();
    private boolean closing;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String closeReason;

    private final AtomicInteger nextRequestId = new AtomicInteger(1);
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final Map<Integer, OutgoingStream> serving = new ConcurrentHashMap<>();
    /** Requests this side cancelled: their Response, Data or Error may still cross the Cancel and are ignored. */
    private final java.util.Set<Integer> cancelled = ConcurrentHashMap.newKeySet();

    private volatile Thread readerThread;
    private final long openedAt;
    private volatile long lastReceived;
    private volatile long lastSent;
    private volatile long pingSentAt;
    private volatile long rttMillis = -1;
    private long pingWindowStart;
    private int pingsInWindow;

    private PeerLink(Transport transport, boolean outgoing, LinkSettings settings, Clock clock, RequestHandler handler)
            throws IOException {
        this.transport = transport;
        this.outgoing = outgoing;
        this.settings = settings;
        this.clock = clock;
        this.handler = handler;
        this.counters = new CountingStreams(transport.in(), transport.out());
        this.reader = new FrameReader(new BufferedInputStream(counters.inStream, 64 << 10));
        // 256 KiB: several frames reach TLS in one write (measured: about a tenth faster than 64 KiB on one link).
        this.writer = new FrameWriter(new BufferedOutputStream(counters.outStream, WRITE_BUFFER));
        this.openedAt = clock.millis();
        this.lastReceived = openedAt;
        this.lastSent = openedAt;
    }

    /**
     * Runs the Hello exchange on an authenticated transport and, if both sides agree, returns the open link
     * with its threads started. The dialer sends Hello and expects HelloAck; the acceptor the reverse. A peer
     * whose Hello names another id than its certificate, or speaks another major version, gets an Error and
     * the transport is closed; the returned exception says why.
     */
    public static PeerLink open(Transport transport, boolean outgoing, Hello ours, LinkSettings settings, Clock clock,
            RequestHandler handler) throws IOException {
        PeerLink link = new PeerLink(transport, outgoing, settings, clock, handler);
        try {
            link.handshake(ours);
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw e;
        }
        // Platform threads: these two do nothing but socket I/O, and a blocking read on a virtual thread goes through
        // the JDK's poller (park, wake, remount) once per TLS record, which costs a fast link about a third of its speed.
        link.readerThread = Thread.ofPlatform().daemon().name("peer-read-" + link.remoteId().shortForm()).start(link::readLoop);
        Thread.ofPlatform().daemon().name("peer-write-" + link.remoteId().shortForm()).start(link::writeLoop);
        // One Ping at open measures the round-trip time; after that Pings go only on idle links.
        link.pingSentAt = clock.millis();
        link.sendControl(new Ping());
        return link;
    }

    private void handshake(Hello ours) throws IOException {
        sent = ours;
        transport.setReadTimeout((int) settings.handshakeTimeout().toMillis());
        Handshake theirs;
        try {
            if (outgoing) {
                writeNow(ours);
                theirs = expect(HelloAck.class);
            } else {
                theirs = expect(Hello.class);
            }
            String problem = validate(theirs);
            if (problem != null) {
                ErrorCode code = theirs.isCompatible() ? ErrorCode.UNAUTHORIZED : ErrorCode.VERSION;
                writeNow(ErrorMessage.of(0, code, problem));
                throw new ProtocolException(code, problem);
            }
            if (!outgoing) {
                writeNow(new HelloAck(ours.major(), ours.minor(), ours.peerId(), ours.name(), ours.listenAddrs(),
                        ours.features(), ours.libraries()));
            }
        } catch (SocketTimeoutException e) {
            throw new LinkClosedException("no Hello from " + transport.remoteAddress() + " within "
                    + settings.handshakeTimeout().toMillis() + " ms");
        }
        transport.setReadTimeout(0);
        remote = theirs;
        commonFeatures = Protocol.commonFeatures(ours.features(), theirs.features());
        lastReceived = clock.millis();
    }

    private Handshake expect(Class<? extends Handshake> type) throws IOException {
        Message m;
        try {
            m = reader.read();
        } catch (ProtocolException e) {
            writeNow(ErrorMessage.of(0, e.code(), e.getMessage()));
            throw e;
        }
        if (m == null) {
            throw new LinkClosedException("peer " + transport.remoteAddress() + " closed the connection during the Hello exchange");
        }
        if (m instanceof ErrorMessage e) {
            throw new ProtocolException(e.errorCode().orElse(ErrorCode.PROTOCOL), "peer refused the connection: " + e.message());
        }
        if (!type.isInstance(m)) {
            String problem = "expected " + type.getSimpleName() + " but got " + m.getClass().getSimpleName();
            writeNow(ErrorMessage.of(0, ErrorCode.UNEXPECTED, problem));
            throw new ProtocolException(ErrorCode.UNEXPECTED, problem);
        }
        return type.cast(m);
    }

    private String validate(Handshake h) {
        if (!h.isCompatible()) {
            return "protocol version " + h.major() + "." + h.minor() + " is not supported; this node speaks "
                    + Protocol.MAJOR + "." + Protocol.MINOR;
        }
        PeerId claimed;
        try {
            claimed = PeerId.parse(h.peerId());
        } catch (IllegalArgumentException e) {
            return "Hello carries a malformed peer id: " + e.getMessage();
        }
        if (!claimed.equals(transport.remoteId())) {
            return "Hello says peer id " + claimed + " but the certificate proves " + transport.remoteId();
        }
        return null;
    }

    private void writeNow(Message m) throws IOException {
        writer.write(m);
        writer.flush();
        lastSent = clock.millis();
    }

    public void setListener(Listener l) {
        this.listener = l;
    }

    public PeerId remoteId() {
        return transport.remoteId();
    }

    /** What the peer said in its Hello or HelloAck: name, listener addresses, features, libraries. */
    public Handshake remoteHello() {
        return remote;
    }

    /** The libraries this node listed in its own Hello or HelloAck on this link (its view when the link opened). */
    public List<dev.ferry.protocol.LibraryState> sentLibraries() {
        return sent.libraries();
    }

    public List<String> commonFeatures() {
        return commonFeatures;
    }

    public boolean outgoing() {
        return outgoing;
    }

    public boolean isOpen() {
        return !closed.get();
    }

    public long bytesIn() {
        return counters.bytesIn();
    }

    public long bytesOut() {
        return counters.bytesOut();
    }

    public long lastReceived() {
        return lastReceived;
    }

    /** Round-trip time of the last Ping, or -1 before the first Pong. */
    public long rttMillis() {
        return rttMillis;
    }

    public long openedAt() {
        return openedAt;
    }

    public java.net.InetSocketAddress remoteAddress() {
        return transport.remoteAddress();
    }

    // ---- requests I make ------------------------------------------------------------------------------

    /** An answer: status 0 with a body, and for a streamed answer the rest of it as a stream. */
    public record Reply(byte[] body, InputStream stream) {}

    private static final class Pending {
        final CompletableFuture<Reply> future = new CompletableFuture<>();
        final long deadline;
        volatile IncomingStream stream;

        Pending(long deadline) {
            this.deadline = deadline;
        }
    }

    /**
     * Sends a request; the future completes with the reply, or fails with {@link PeerRequestException} (the peer
     * answered an error), {@link LinkClosedException}, or {@link TimeoutException} after the request timeout
     * (the request is then cancelled on the peer).
     */
    public CompletableFuture<Reply> request(String method, byte[] body) {
        int id = nextRequestId.getAndUpdate(i -> i == Integer.MAX_VALUE ? 1 : i + 1);
        Pending p = new Pending(clock.millis() + settings.requestTimeout().toMillis());
        pending.put(id, p);
        if (!sendControl(new Request(id, method, body))) {
            pending.remove(id);
            p.future.completeExceptionally(new LinkClosedException(closedMessage()));
        }
        return p.future;
    }

    private void cancel(int channel) {
        if (cancelled.size() > 10_000) {
            cancelled.clear(); // a peer that never answers cancelled requests; forgetting only risks closing that link
        }
        cancelled.add(channel);
        sendControl(new Cancel(channel));
    }

    /** True for a late frame of a request this side cancelled; the last such frame forgets the request. */
    private boolean lateForCancelled(int channel, boolean last) {
        if (!cancelled.contains(channel)) {
            return false;
        }
        if (last) {
            cancelled.remove(channel);
        }
        return true;
    }

    private void onResponse(Response r) throws ProtocolException {
        Pending p = pending.get(r.channel());
        if (p == null && lateForCancelled(r.channel(), r.end() || !r.isOk())) {
            return;
        }
        if (p == null || p.stream != null) {
            throw new ProtocolException(ErrorCode.UNEXPECTED,
                    "Response to request " + Integer.toUnsignedString(r.channel()) + " that was never made");
        }
        if (!r.isOk()) {
            pending.remove(r.channel());
            p.future.completeExceptionally(new PeerRequestException(r.status(), new String(r.body(), StandardCharsets.UTF_8)));
            return;
        }
        if (r.end()) {
            pending.remove(r.channel());
            p.future.complete(new Reply(r.body(), null));
            return;
        }
        int ch = r.channel();
        p.stream = new IncomingStream(clock, n -> sendControl(new Credit(ch, n)), () -> {
            pending.remove(ch);
            cancel(ch);
        });
        p.future.complete(new Reply(r.body(), p.stream));
    }

    private void onData(Data d) throws ProtocolException {
        Pending p = pending.get(d.channel());
        if (p == null || p.stream == null) {
            if (p == null && lateForCancelled(d.channel(), d.end())) {
                return;
            }
            throw new ProtocolException(ErrorCode.UNEXPECTED,
                    "Data on channel " + Integer.toUnsignedString(d.channel()) + " without a streamed Response");
        }
        p.stream.push(d.bytes(), d.end());
        if (d.end()) {
            pending.remove(d.channel());
        }
    }

    // ---- requests I serve -----------------------------------------------------------------------------

    /** Credit bookkeeping of one response this side is streaming. */
    private static final class OutgoingStream {
        private long credit = Protocol.INITIAL_WINDOW;
        private boolean cancelled;

        synchronized void add(long n) {
            credit += n;
            notifyAll();
        }

        synchronized void cancel() {
            cancelled = true;
            notifyAll();
        }

        /** Waits until some credit is available; returns how much may be sent now (0 = cancelled or closed). */
        synchronized long await(int want, AtomicBoolean linkClosed) throws IOException {
            while (credit <= 0 && !cancelled && !linkClosed.get()) {
                try {
                    wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
            }
            return cancelled || linkClosed.get() ? 0 : Math.min(want, credit);
        }

        synchronized void spend(long n) {
            credit -= n;
        }
    }

    /** Requests this side serves at once on one link; more are refused with RATE_LIMIT, so a peer cannot pile up work. */
    static final int MAX_SERVING = 256;
    private final java.util.concurrent.Semaphore servingSlots = new java.util.concurrent.Semaphore(MAX_SERVING);

    private void onRequest(Request r) {
        int ch = r.channel();
        if (!servingSlots.tryAcquire()) {
            sendControl(ErrorMessage.of(ch, ErrorCode.RATE_LIMIT, "more than " + MAX_SERVING + " requests in flight"));
            return;
        }
        Thread.ofVirtual().name("peer-req-" + r.method()).start(() -> {
            ResponderImpl responder = new ResponderImpl(ch);
            try {
                handler.handle(this, r.method(), r.body(), responder);
                if (!responder.answered) {
                    responder.respond(ErrorCode.INTERNAL.code(), "handler gave no answer".getBytes(StandardCharsets.UTF_8));
                }
            } catch (Exception e) {
                if (!responder.answered && isOpen()) {
                    log.warn("request {} from {} failed: {}", r.method(), remoteId().shortForm(), e.toString());
                    sendControl(ErrorMessage.of(ch, ErrorCode.INTERNAL, "request failed: " + e.getClass().getSimpleName()));
                }
            } finally {
                serving.remove(ch);
                servingSlots.release();
            }
        });
    }

    private final class ResponderImpl implements RequestHandler.Responder {
        private final int channel;
        boolean answered;

        ResponderImpl(int channel) {
            this.channel = channel;
        }

        @Override
        public void respond(int status, byte[] body) throws IOException {
            Response response;
            try {
                response = new Response(channel, status, body, true);
            } catch (IllegalArgumentException e) {
                // An answer that cannot be framed: the requester gets an Error, not silence.
                log.warn("answer to {} could not be sent: {}", remoteId().shortForm(), e.getMessage());
                response = null;
            }
            answered = true;
            Message m = response != null ? response
                    : ErrorMessage.of(channel, ErrorCode.INTERNAL, "the answer is too large to send");
            if (!sendControl(m)) {
                throw new LinkClosedException(closedMessage());
            }
        }

        @Override
        public void stream(byte[] head, InputStream in) throws IOException {
            answered = true;
            OutgoingStream out = new OutgoingStream();
            serving.put(channel, out);
            if (!sendControl(new Response(channel, Response.OK, head, false))) {
                throw new LinkClosedException(closedMessage());
            }
            while (true) {
                long allowed = out.await(STREAM_PIECE, closed);
                if (allowed == 0) {
                    return; // cancelled by the requester, or the link closed
                }
                // A fresh frame per piece, payload read straight into it: it is queued for the writer, so it cannot be reused.
                byte[] frame = new byte[MessageCodec.PREFIX + (int) allowed];
                int n;
                try {
                    n = in.readNBytes(frame, MessageCodec.PREFIX, (int) allowed);
                } catch (IOException | RuntimeException e) {
                    // The answer cannot be finished: end the request with an Error so the requester does not wait.
                    log.warn("streaming an answer to {} failed: {}", remoteId().shortForm(), e.getMessage());
                    // Behind the Data already queued: ahead of it, the Error would end the request before that Data
                    // arrived, and the requester would take the Data for a protocol error.
                    sendAfterData(ErrorMessage.of(channel, ErrorCode.INTERNAL, "the answer could not be read to its end"));
                    return;
                }
                boolean end = n < allowed; // readNBytes returns short only at the end of the stream
                if (end) {
                    frame = java.util.Arrays.copyOf(frame, MessageCodec.PREFIX + n);
                }
                MessageCodec.dataHeader(frame, n, channel, end);
                out.spend(n);
                if (!sendData(frame)) {
                    throw new LinkClosedException(closedMessage());
                }
                if (end) {
                    return;
                }
            }
        }
    }

    // ---- the reader -----------------------------------------------------------------------------------

    private void readLoop() {
        String reason = "connection closed by the peer";
        try {
            while (!closed.get()) {
                Message m = reader.read();
                if (m == null) {
                    break;
                }
                lastReceived = clock.millis();
                if (!dispatch(m)) {
                    reason = closeReason;
                    break;
                }
            }
        } catch (ProtocolException e) {
            reason = "protocol error from peer: " + e.getMessage();
            log.warn("closing link to {} ({}): {}", remoteId().shortForm(), transport.remoteAddress(), e.getMessage());
            shutdown(ErrorMessage.of(0, e.code(), e.getMessage()), reason);
        } catch (IOException e) {
            if (!closed.get()) {
                reason = "connection lost: " + e.getMessage();
            }
        } finally {
            shutdown(null, reason);
        }
    }

    /** Handles one message; false when the link is to close. */
    private boolean dispatch(Message m) throws ProtocolException {
        switch (m) {
            case Ping p -> {
                long now = clock.millis();
                if (now - pingWindowStart >= 1000) {
                    pingWindowStart = now;
                    pingsInWindow = 0;
                }
                if (++pingsInWindow > settings.maxPingsPerSecond()) {
                    throw new ProtocolException(ErrorCode.RATE_LIMIT, "more than " + settings.maxPingsPerSecond() + " Pings in a second");
                }
                sendControl(new Pong());
            }
            case Pong p -> {
                if (pingSentAt > 0) {
                    rttMillis = clock.millis() - pingSentAt;
                    pingSentAt = 0;
                }
            }
            case Goodbye g -> {
                closeReason = "peer said goodbye: " + g.reason();
                log.info("peer {} said goodbye ({})", remoteId().shortForm(), g.reason());
                shutdown(null, closeReason);
                return false;
            }
            case ErrorMessage e when e.channel() == 0 -> {
                closeReason = "peer closed the link with error " + e.code() + ": " + e.message();
                log.warn("peer {} closed the link: error {} {}", remoteId().shortForm(), e.code(), e.message());
                shutdown(null, closeReason);
                return false;
            }
            case ErrorMessage e -> {
                Pending p = pending.remove(e.channel());
                if (p == null && lateForCancelled(e.channel(), true)) {
                    return true;
                }
                if (p == null) {
                    throw new ProtocolException(ErrorCode.UNEXPECTED,
                            "Error for request " + Integer.toUnsignedString(e.channel()) + " that was never made");
                }
                PeerRequestException ex = new PeerRequestException(e.code(), e.message());
                if (p.stream != null) {
                    p.stream.fail(ex);
                }
                p.future.completeExceptionally(ex);
            }
            case Request r -> {
                if (serving.containsKey(r.channel())) {
                    throw new ProtocolException(ErrorCode.UNEXPECTED, "request id " + r.channel() + " is already in use");
                }
                onRequest(r);
            }
            case Response r -> onResponse(r);
            case Data d -> onData(d);
            case Credit c -> {
                OutgoingStream s = serving.get(c.channel());
                if (s != null) {
                    s.add(c.bytes());
                }
            }
            case Cancel c -> {
                OutgoingStream s = serving.get(c.channel());
                if (s != null) {
                    s.cancel();
                }
            }
            case Hello h -> throw new ProtocolException(ErrorCode.UNEXPECTED, "a second Hello on an open link");
            case HelloAck h -> throw new ProtocolException(ErrorCode.UNEXPECTED, "a HelloAck on an open link");
        }
        return true;
    }

    // ---- the writer -----------------------------------------------------------------------------------

    /** Queues a control message ahead of any Data; false if the link is closing. */
    boolean sendControl(Message m) {
        lock.lock();
        try {
            if (closing) {
                return false;
            }
            if (control.size() >= CONTROL_QUEUE) {
                // A peer that never reads while we answer its Pings and requests: it is not a working peer.
                closing = true;
                Thread.ofVirtual().start(() -> shutdown(null, "peer stopped reading"));
                return false;
            }
            control.add(m);
            work.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues an encoded Data frame (or, from {@link #sendAfterData}, another encoded frame that must follow the Data
     * before it), waiting while the Data queue is full; false if the link is closing.
     */
    boolean sendData(byte[] frame) throws java.io.InterruptedIOException {
        lock.lock();
        try {
            while (data.size() >= DATA_QUEUE && !closing) {
                dataSpace.await();
            }
            if (closing) {
                return false;
            }
            data.add(frame);
            work.signal();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        } finally {
            lock.unlock();
        }
    }

    /** Queues a message behind the Data frames already queued (an Error that ends a streamed answer). */
    private boolean sendAfterData(Message m) throws java.io.InterruptedIOException {
        return sendData(MessageCodec.encode(m));
    }

    private void writeLoop() {
        try {
            while (true) {
                Message m = null;
                byte[] frame = null;
                boolean last;
                lock.lock();
                try {
                    while (control.isEmpty() && data.isEmpty() && !closing) {
                        work.await();
                    }
                    if (!control.isEmpty()) {
                        m = control.poll();
                    } else if (!data.isEmpty() && !closing) {
                        frame = data.poll();
                        dataSpace.signal();
                    } else {
                        break; // closing and the final message, if any, is written
                    }
                    last = control.isEmpty() && data.isEmpty();
                } finally {
                    lock.unlock();
                }
                if (m != null) {
                    writer.write(m);
                } else {
                    writer.writeQueuedFrame(frame);
                }
                if (last) {
                    writer.flush();
                }
                lastSent = clock.millis();
            }
            writer.flush();
            transport.shutdownOutput();
            lingerForReader();
        } catch (IOException | InterruptedException e) {
            // the reader sees the broken connection too and closes the link
        } finally {
            closeTransport();
        }
    }

    /**
     * After the last frame, waits briefly for the peer to close its side. Closing a socket with unread bytes
     * makes TCP send a reset, which can destroy the Error or Goodbye frame just sent; so the reader keeps
     * consuming, or if it already stopped (a protocol error), this thread drains for it.
     */
    private void lingerForReader() throws InterruptedException {
        Thread r = readerThread;
        if (r != null && r.isAlive()) {
            r.join(1000);
            return;
        }
        try {
            transport.setReadTimeout(500);
            InputStream in = transport.in();
            byte[] sink = new byte[8192];
            long until = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < until && in.read(sink) >= 0) {
                // discard: the link is closed, these bytes mean nothing now
            }
        } catch (IOException ignored) {
            // timed out or the peer closed: either way, done
        }
    }

    // ---- liveness and closing -------------------------------------------------------------------------

    /** Called periodically by the owner: Ping when idle, close when stale, expire requests. */
    public void tick() {
        if (closed.get()) {
            return;
        }
        long now = clock.millis();
        if (now - lastReceived >= settings.staleTimeout().toMillis()) {
            log.info("link to {} is stale: nothing heard for {} ms", remoteId().shortForm(), now - lastReceived);
            shutdown(ErrorMessage.of(0, ErrorCode.TIMEOUT, "nothing heard for " + (now - lastReceived) + " ms"),
                    "stale: nothing heard for " + (now - lastReceived) + " ms");
            return;
        }
        long idle = settings.pingInterval().toMillis();
        if (now - lastReceived >= idle && now - lastSent >= idle && pingSentAt == 0) {
            pingSentAt = now;
            sendControl(new Ping());
        } else if (pingSentAt > 0 && now - pingSentAt >= idle && now - lastSent >= idle) {
            pingSentAt = now;
            sendControl(new Ping());
        }
        for (var e : pending.entrySet()) {
            Pending p = e.getValue();
            IncomingStream s = p.stream;
            if (s != null && now - s.lastActivity() >= settings.requestTimeout().toMillis() * 2 && pending.remove(e.getKey(), p)) {
                // A stream whose sender went silent (no Data while we granted credit) would hold its reader forever.
                s.fail(new java.io.IOException("no data from " + remoteId().shortForm() + " for "
                        + (now - s.lastActivity()) + " ms"));
                cancel(e.getKey());
                continue;
            }
            if (p.stream == null && now >= p.deadline && pending.remove(e.getKey(), p)) {
                p.future.completeExceptionally(new TimeoutException("no answer from " + remoteId().shortForm() + " within "
                        + settings.requestTimeout().toMillis() + " ms"));
                cancel(e.getKey());
            }
        }
    }

    /** Says Goodbye and closes. The peer may drop this node at once; nothing depends on it receiving this. */
    public void close(String reason) {
        shutdown(new Goodbye(reason), "closed here: " + reason);
    }

    @Override
    public void close() {
        close("shutting down");
    }

    /** Closes with an Error frame: this side refuses to go on. */
    public void fail(ErrorCode code, String message) {
        shutdown(ErrorMessage.of(0, code, message), message);
    }

    private void shutdown(Message last, String reason) {
        // Decide the reason before any frame goes out: the peer's reaction to our last frame must not win the race.
        boolean first = closed.compareAndSet(false, true);
        if (first) {
            closeReason = reason;
        }
        lock.lock();
        try {
            if (!closing) {
                closing = true;
                control.clear();
                data.clear();
                if (last != null) {
                    control.add(last);
                }
                work.signalAll();
                dataSpace.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (first) {
            LinkClosedException ex = new LinkClosedException(closedMessage());
            pending.values().forEach(p -> {
                if (p.stream != null) {
                    p.stream.fail(ex);
                }
                p.future.completeExceptionally(ex);
            });
            pending.clear();
            serving.values().forEach(OutgoingStream::cancel);
            // The writer closes the transport after the final frame; this bounds how long a stuck peer can delay it.
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException ignored) {
                    // closing anyway
                }
                closeTransport();
            });
            listener.closed(this, reason);
        }
    }

    private void closeTransport() {
        try {
            transport.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private String closedMessage() {
        return "link to " + remoteId().shortForm() + " closed" + (closeReason == null ? "" : ": " + closeReason);
    }

    public String closeReason() {
        return closeReason;
    }

    @Override
    public String toString() {
        return "PeerLink[" + remoteId().shortForm() + (outgoing ? " out" : " in") + " " + transport.remoteAddress() + "]";
    }
}
