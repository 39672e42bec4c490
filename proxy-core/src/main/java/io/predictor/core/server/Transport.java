package io.predictor.core.server;

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

/** The I/O transport: native epoll where it loads (Linux), NIO otherwise. */
public final class Transport {

    private final String name;
    private final IoHandlerFactory ioHandlerFactory;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends SocketChannel> socketChannel;

    private Transport(String name, IoHandlerFactory factory, Class<? extends ServerChannel> serverChannel,
            Class<? extends SocketChannel> socketChannel) {
        this.name = name;
        this.ioHandlerFactory = factory;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
    }

    /**
     * Picks the transport: {@code auto} takes epoll when available, else NIO; {@code epoll}
     * fails when it is not available (the operator asked for it by name).
     */
    public static Transport select(String preference) {
        switch (preference) {
            case "nio":
                return nio();
            case "epoll":
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("runtime.transport epoll is not available here: "
                            + Epoll.unavailabilityCause());
                }
                return epoll();
            case "auto":
                return Epoll.isAvailable() ? epoll() : nio();
            default:
                throw new IllegalArgumentException("unknown transport '" + preference + "'; expected auto, epoll or nio");
        }
    }

    private static Transport epoll() {
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
    }

    private static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
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
}
