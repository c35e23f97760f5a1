import Greenlet

/// The smallest hand-off between two green threads: one slot, one parking lot per side.
/// `bench spawn` times a switch with it.
final class OneSlotChannel<Element>: @unchecked Sendable {
    @exclusivity(unchecked) private var slot: Element?
    private let getters = ParkingLot("channel.get")
    private let putters = ParkingLot("channel.put")

    func put(_ element: Element) async throws {
        while slot != nil { try await putters.park() }
        slot = element
        getters.unparkOne()
    }

    func get() async throws -> Element {
        while slot == nil { try await getters.park() }
        let element = slot!
        slot = nil
        putters.unparkOne()
        return element
    }
}
