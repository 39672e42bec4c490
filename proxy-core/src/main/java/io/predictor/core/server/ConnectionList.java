package io.predictor.core.server;

import java.util.function.Consumer;

/**
 * An intrusive doubly linked list owned by one event loop: adding and removing allocate nothing
 * (each member carries its own {@link Node}s) and take no lock. Used for the exchanges in flight
 * (drain barrier) and the requests parked in {@code hold}.
 */
final class ConnectionList<T> {

    /** A member's place in one list. */
    static final class Node<T> {
        final T owner;
        Node<T> prev;
        Node<T> next;
        ConnectionList<T> list;

        Node(T owner) {
            this.owner = owner;
        }

        boolean linked() {
            return list != null;
        }
    }

    private Node<T> first;
    private int size;

    int size() {
        return size;
    }

    void add(Node<T> n) {
        if (n.list != null) {
            return;
        }
        n.list = this;
        n.prev = null;
        n.next = first;
        if (first != null) {
            first.prev = n;
        }
        first = n;
        size++;
    }

    void remove(Node<T> n) {
        if (n.list != this) {
            return;
        }
        if (n.prev != null) {
            n.prev.next = n.next;
        } else {
            first = n.next;
        }
        if (n.next != null) {
            n.next.prev = n.prev;
        }
        n.prev = null;
        n.next = null;
        n.list = null;
        size--;
    }

    /** Visits every connection; the visitor may remove the one it is given. */
    void forEach(Consumer<? super T> visitor) {
        Node<T> n = first;
        while (n != null) {
            Node<T> next = n.next;
            visitor.accept(n.owner);
            n = next;
        }
    }
}
