package io.predictor.core.server;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

/**
 * How the data plane makes its channels: the I/O transport (native epoll, io_uring or NIO: the
 * event loops' I/O handler and the channel classes) and the buffer allocator every channel it
 * opens reads into — accepted client connections, origin connections, relay connections.
 */
public final class Transport {

    /**
     * Netty's io_uring arms a multishot {@code POLL_ADD} for a read when {@code AUTO_READ} is off
     * (as here) and keeps it armed across reads. A multishot poll posts a completion only on a new
     * wakeup, so when the last bytes and a reset (or FIN) arrive together, one completion covers
     * both: the read takes the bytes, the completion says the socket is now empty, and nothing
     * ever reports the reset — the connection stays open until a timeout (measured: an origin
     * reset mid-response left the client open in 3 of 40 runs, 0 of 40 with one-shot polls).
     * A one-shot poll is re-armed for every read and checks the socket's state when armed, so it
     * sees the reset. LXC turned multishot polls off for the same stall (lxc/lxc#4304). Set
     * before Netty's {@code IoUring} class loads, which reads it once; an operator's own
     * {@code -Dio.netty.iouring.pollAddMultishotEnabled} is left alone.
     */
    static final String POLL_ADD_MULTISHOT = "io.netty.iouring.pollAddMultishotEnabled";

    static {
        if (System.getProperty(POLL_ADD_MULTISHOT) == null) {
            System.setProperty(POLL_ADD_MULTISHOT, "false");
        }
    }

    private final String name;
    private final IoHandlerFactory ioHandlerFactory;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends SocketChannel> socketChannel;
    private final String allocatorName;
    private final ByteBufAllocator allocator;

    private Transport(String name, IoHandlerFactory factory, Class<? extends ServerChannel> serverChannel,
            Class<? extends SocketChannel> socketChannel, String allocatorName) {
        this.name = name;
        this.ioHandlerFactory = factory;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
        this.allocatorName = allocatorName;
        this.allocator = allocator(allocatorName);
    }

    /** {@link #select(String, String)} with the pooled allocator. */
    public static Transport select(String preference) {
        return select(preference, "pooled");
    }

    /**
     * Picks the transport and the allocator.
     *
     * <p>{@code auto} takes io_uring where it loads, else epoll, else NIO. io_uring is first because it
     * measured less CPU per proxied keep-alive request than epoll on every harness run
     * ({@code benchmarks/run.sh}: 7–15 % less, with the same four socket operations a request — it
     * submits and reaps them in batches instead of a syscall each). Where io_uring is switched off
     * (the {@code kernel.io_uring_disabled} sysctl, container runtimes' seccomp profiles that block
     * {@code io_uring_setup}, a low {@code ulimit -l}) {@code auto} quietly takes epoll: see
     * {@link #autoFallback()}. io_uring's reads wait on one-shot polls: {@link #POLL_ADD_MULTISHOT}
     * says why. {@code epoll} and {@code io_uring} fail when they are not available (the operator asked for
     * them by name): the message says what, why and what to do.
     *
     * @param allocator {@code pooled} or {@code adaptive} (see {@link #allocator()})
     */
    public static Transport select(String preference, String allocator) {
        switch (preference) {
            case "nio":
                return nio(allocator);
            case "epoll":
                if (!Epoll.isAvailable()) {
                    throw unavailable("epoll", Epoll.unavailabilityCause(), "auto or nio");
                }
                return epoll(allocator);
            case "io_uring":
                if (!IoUring.isAvailable()) {
                    throw unavailable("io_uring", IoUring.unavailabilityCause(), "epoll, auto or nio");
                }
                return ioUring(allocator);
            case "auto":
                if (IoUring.isAvailable()) {
                    return ioUring(allocator);
                }
                return Epoll.isAvailable() ? epoll(allocator) : nio(allocator);
            default:
                throw new IllegalArgumentException("unknown transport '" + preference
                        + "'; expected auto, epoll, io_uring or nio");
        }
    }

    /**
     * Why {@code auto} did not take io_uring here, for the start event; {@code null} where it did.
     */
    public static String autoFallback() {
        return IoUring.isAvailable() ? null
                : autoFallback(IoUring.unavailabilityCause(), Epoll.isAvailable() ? "epoll" : "nio");
    }

    static String autoFallback(Throwable cause, String taken) {
        return "io_uring is not available (" + reason(cause) + "); " + taken + " taken instead";
    }

    /** Netty's reason a native transport does not load, with its whole cause chain. */
    private static String reason(Throwable cause) {
        String why = cause == null ? "no reason given" : cause.toString();
        for (Throwable c = cause == null ? null : cause.getCause(); c != null; c = c.getCause()) {
            why += "; caused by " + c;
        }
        return why;
    }

    /** What an operator reads when the transport they named does not load here. */
    static IllegalStateException unavailable(String transport, Throwable cause, String instead) {
        String why = reason(cause);
        String hint = transport.equals("io_uring")
                ? " (io_uring needs Linux 5.14+ on x86_64, the sysctl kernel.io_uring_disabled at 0, a seccomp"
                        + " profile that allows io_uring_setup (container runtimes often block it) and enough"
                        + " locked memory, ulimit -l)"
                : " (epoll needs Linux on x86_64)";
        return new IllegalStateException("runtime.transport " + transport + " is not available here: " + why
                + hint + "; set runtime.transport to " + instead, cause);
    }

    /**
     * The allocator of every data-plane channel. {@code pooled}: Netty's
     * {@link PooledByteBufAllocator#DEFAULT} (thread-local caches over jemalloc-style arenas);
     * {@code adaptive}: Netty 4.2's {@link AdaptiveByteBufAllocator} — {@link ByteBufAllocator#DEFAULT}
     * when that is the adaptive one (Netty 4.2's default unless {@code -Dio.netty.allocator.type}
     * says otherwise), else one shared instance of the process.
     */
    static ByteBufAllocator allocator(String name) {
        switch (name) {
            case "pooled":
                return PooledByteBufAllocator.DEFAULT;
            case "adaptive":
                return ByteBufAllocator.DEFAULT instanceof AdaptiveByteBufAllocator a ? a : SharedAdaptive.INSTANCE;
            default:
                throw new IllegalArgumentException("unknown allocator '" + name + "'; expected pooled or adaptive");
        }
    }

    /** Created only when asked for (and when Netty's default is not already adaptive). */
    private static final class SharedAdaptive {
        static final AdaptiveByteBufAllocator INSTANCE = new AdaptiveByteBufAllocator();
    }

    private static Transport epoll(String allocator) {
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                EpollSocketChannel.class, allocator);
    }

    /**
     * Whether a transport loads here: {@code epoll}, {@code io_uring}; {@code nio} always does. Ask
     * here rather than Netty's {@code IoUring} directly, so that {@code IoUring} loads after the
     * poll setting above.
     */
    public static boolean isAvailable(String transport) {
        return switch (transport) {
            case "epoll" -> Epoll.isAvailable();
            case "io_uring" -> IoUring.isAvailable();
            case "nio" -> true;
            default -> throw new IllegalArgumentException("unknown transport '" + transport + "'");
        };
    }

    /** Why {@link #isAvailable} says no, with the whole cause chain. */
    public static String unavailabilityReason(String transport) {
        return reason(transport.equals("io_uring") ? IoUring.unavailabilityCause() : Epoll.unavailabilityCause());
    }

    private static Transport ioUring(String allocator) {
        if (IoUring.isPollAddMultishotEnabled() && !"true".equals(System.getProperty(POLL_ADD_MULTISHOT))) {
            // Netty's IoUring class loaded before this one, with multishot polls on
            throw new IllegalStateException("runtime.transport io_uring: Netty's io_uring was initialised before"
                    + " Predictor's Transport, with multishot POLL_ADD on, which can leave reset connections open;"
                    + " start the JVM with -D" + POLL_ADD_MULTISHOT + "=false");
        }
        return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                IoUringSocketChannel.class, allocator);
    }

    private static Transport nio(String allocator) {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class,
                allocator);
    }

    public String name() {
        return name;
    }

    public IoHandlerFactory ioHandlerFactory() {
        return ioHandlerFactory;
    }

    public Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return socketChannel;
    }

    /** {@code pooled} or {@code adaptive}. */
    public String allocatorName() {
        return allocatorName;
    }

    /** The buffer allocator of every channel the data plane opens ({@code ChannelOption.ALLOCATOR}). */
    public ByteBufAllocator allocator() {
        return allocator;
    }
}
