package field

import "aftersales"

// LabourAmount is the labour cost of minutes on site at perHour, rounded
// to the nearest minor unit (halves up).
func LabourAmount(minutes int64, perHour aftersales.Money) aftersales.Money {
	if minutes <= 0 || perHour <= 0 {
		return 0
	}
	return aftersales.Money((minutes*int64(perHour) + 30) / 60)
}

// TravelAmount is the travel cost of metres of road at perKM, rounded to
// the nearest minor unit (halves up).
func TravelAmount(metres int64, perKM aftersales.Money) aftersales.Money {
	if metres <= 0 || perKM <= 0 {
		return 0
	}
	return aftersales.Money((metres*int64(perKM) + 500) / 1000)
}

// InWarranty reports whether the work on day is covered: the asset's
// warranty (its last day, YYYY-MM-DD) runs to that day at least. Work
// without a warranty date is not covered.
func InWarranty(warrantyEnds string, day aftersales.Date) bool {
	return warrantyEnds != "" && string(day) <= warrantyEnds
}
