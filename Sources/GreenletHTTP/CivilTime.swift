/// A second since the Unix epoch as a UTC calendar date and time of day, computed with
/// Howard Hinnant's days/civil algorithms: no libc time zone state, no locale, no allocation.
package struct CivilTime: Equatable {
    package var year: Int
    /// 1 ... 12
    package var month: Int
    /// 1 ... 31
    package var day: Int
    package var hour: Int
    package var minute: Int
    package var second: Int
    /// 0 is Sunday.
    package var weekday: Int

    package static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    package static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

    package init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        (self.year, self.month, self.day) = (year, month, day)
        (self.hour, self.minute, self.second) = (hour, minute, second)
        weekday = Self.weekday(days: Self.days(year: year, month: month, day: day))
    }

    package init(secondsSince1970 seconds: Int) {
        let (days, time) = seconds.floorDivided(by: 86_400)
        (hour, minute, second) = (time / 3600, time / 60 % 60, time % 60)
        weekday = Self.weekday(days: days)
        let (era, dayOfEra) = (days + 719_468).floorDivided(by: 146_097)
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // March is 0
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    package var secondsSince1970: Int {
        Self.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    private static func days(year: Int, month: Int, day: Int) -> Int {
        let (era, yearOfEra) = (month <= 2 ? year - 1 : year).floorDivided(by: 400)
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// 1970-01-01 was a Thursday.
    private static func weekday(days: Int) -> Int { (days + 4).floorDivided(by: 7).remainder }
}

extension Int {
    /// Quotient rounded down and a remainder that is never negative, for dates before 1970.
    fileprivate func floorDivided(by divisor: Int) -> (quotient: Int, remainder: Int) {
        let remainder = self % divisor
        return remainder < 0 ? (self / divisor - 1, remainder + divisor) : (self / divisor, remainder)
    }
}

extension ASCIIWriter {
    /// `06 Nov 1994` with a space as `separator`.
    package mutating func appendDate(_ time: CivilTime, separator: String) {
        append(time.day, width: 2)
        append(separator)
        append(CivilTime.monthNames[time.month - 1])
        append(separator)
        append(time.year, width: 4)
    }

    /// `08:49:37`
    package mutating func appendClock(_ time: CivilTime) {
        append(time.hour, width: 2)
        append(":")
        append(time.minute, width: 2)
        append(":")
        append(time.second, width: 2)
    }
}
