package console

import (
	"context"

	"aftersales"
)

// What a technician needs of the appliance and the parts at the door:
// the asset by its product's model and name and its serial (not a link
// to the asset's form, which technicians may not save), and each part to
// bring by its name in the page's language.

// stopAsset is the appliance of a visit's ticket.
type stopAsset struct {
	ID      int64
	Model   string
	Product string
	Serial  string
}

// stopAssetAndParts fills the asset and the parts' names of a card.
func (c *Console) stopAssetAndParts(ctx context.Context, ds *dayStop) error {
	if t := ds.Ticket; t != nil && t.AssetID != nil {
		a, err := c.S.Catalog.FindAsset(ctx, *t.AssetID)
		switch {
		case err == nil:
			ds.Asset = &stopAsset{ID: a.ID, Product: a.ProductName, Serial: a.SerialNo}
			if pr, err := c.S.Catalog.FindProduct(ctx, a.ProductID); err == nil {
				ds.Asset.Model, ds.Asset.Product = pr.Model, pr.Name
			} else if aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
				return err
			}
		case aftersales.ErrorCode(err) != aftersales.ENOTFOUND && aftersales.ErrorCode(err) != aftersales.EFORBIDDEN:
			return err
		}
	}
	for _, res := range ds.Parts {
		if _, ok := ds.Catalog[res.PartID]; ok {
			continue
		}
		pt, err := c.S.Parts.FindPart(ctx, res.PartID)
		if err != nil {
			return err
		}
		if ds.Catalog == nil {
			ds.Catalog = map[int64]*aftersales.Part{}
		}
		ds.Catalog[res.PartID] = pt
	}
	return nil
}

// PartName is part id's name in language lang, "" when it has none.
func (s *dayStop) PartName(id int64, lang string) string {
	if pt := s.Catalog[id]; pt != nil {
		return pt.Name(lang)
	}
	return ""
}

// CanEditAssets says whether the signed-in user may save an asset's form.
func (p *Page) CanEditAssets() bool {
	return p.User != nil && p.User.Role.Can(aftersales.PermCustomerWrite)
}
