package aftersales

import (
	"context"
	"strings"
	"time"
)

// Category is a node of the product category tree (空调 > 家用空调 > 挂机).
type Category struct {
	ID       int64  `json:"id"`
	ParentID *int64 `json:"parent_id,omitempty"`
	Code     string `json:"code"`
	NameZH   string `json:"name_zh"`
	NameEN   string `json:"name_en"`
	Path     string `json:"path"` // ids from the root, e.g. "/1/4/9/"
	Depth    int    `json:"depth"`
}

// CategoryInput creates or renames a category.
type CategoryInput struct {
	ParentID *int64 `json:"parent_id,omitempty"`
	Code     string `json:"code" maxLength:"50" pattern:"^[a-z0-9][a-z0-9_-]*$"`
	NameZH   string `json:"name_zh,omitempty" maxLength:"100"`
	NameEN   string `json:"name_en,omitempty" maxLength:"100"`
}

// Validate checks a category input.
func (in *CategoryInput) Validate() error {
	var v Validator
	in.Code = strings.TrimSpace(in.Code)
	in.NameZH = strings.TrimSpace(in.NameZH)
	in.NameEN = strings.TrimSpace(in.NameEN)
	v.Check(validCode(in.Code), "code", "must be lower-case letters, digits, '-' or '_'")
	v.Check(in.NameZH != "" || in.NameEN != "", "name_zh", "a Chinese or English name is required")
	return v.Err()
}

func validCode(s string) bool {
	if s == "" || len(s) > 50 {
		return false
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '-' || r == '_')
		if !ok {
			return false
		}
	}
	return true
}

// Product is a model in the catalog.
type Product struct {
	ID             int64     `json:"id"`
	CategoryID     int64     `json:"category_id"`
	Model          string    `json:"model"`
	Name           string    `json:"name"`
	Brand          string    `json:"brand,omitempty"`
	WarrantyMonths int       `json:"warranty_months"`
	Active         bool      `json:"active"`
	Version        int64     `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
}

// ProductInput creates or updates a product.
type ProductInput struct {
	CategoryID     int64  `json:"category_id"`
	Model          string `json:"model" maxLength:"100"`
	Name           string `json:"name" maxLength:"200"`
	Brand          string `json:"brand,omitempty" maxLength:"100"`
	WarrantyMonths int    `json:"warranty_months,omitempty" minimum:"0" maximum:"240"`
	Active         *bool  `json:"active,omitempty"`
}

// Validate checks a product input.
func (in *ProductInput) Validate() error {
	var v Validator
	in.Model = strings.TrimSpace(in.Model)
	in.Name = strings.TrimSpace(in.Name)
	v.Check(in.CategoryID > 0, "category_id", "is required")
	v.Check(in.Model != "", "model", "is required")
	v.Check(in.Name != "", "name", "is required")
	v.Check(in.WarrantyMonths >= 0 && in.WarrantyMonths <= 240, "warranty_months", "must be between 0 and 240")
	return v.Err()
}

// Date is a calendar date without time of day, as YYYY-MM-DD.
type Date string

// DateOf formats t's calendar date.
func DateOf(t time.Time) Date { return Date(t.Format(time.DateOnly)) }

// Valid reports whether d is empty or a real date.
func (d Date) Valid() bool {
	if d == "" {
		return true
	}
	_, err := time.Parse(time.DateOnly, string(d))
	return err == nil
}

// Asset is an installed unit of a product at a customer.
type Asset struct {
	ID           int64     `json:"id"`
	ProductID    int64     `json:"product_id"`
	CustomerID   int64     `json:"customer_id"`
	SerialNo     string    `json:"serial_no"`
	PurchasedOn  Date      `json:"purchased_on,omitempty"`
	InstalledOn  Date      `json:"installed_on,omitempty"`
	WarrantyEnds Date      `json:"warranty_ends,omitempty"`
	Address      Address   `json:"address"`
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	ProductName  string    `json:"product_name,omitempty"`
}

// UnderWarranty reports whether the asset is covered on day d.
func (a *Asset) UnderWarranty(d Date) bool { return a.WarrantyEnds != "" && d <= a.WarrantyEnds }

// AssetInput creates or updates an asset.
type AssetInput struct {
	ProductID    int64   `json:"product_id"`
	CustomerID   int64   `json:"customer_id"`
	SerialNo     string  `json:"serial_no" maxLength:"100"`
	PurchasedOn  Date    `json:"purchased_on,omitempty" format:"date"`
	InstalledOn  Date    `json:"installed_on,omitempty" format:"date"`
	WarrantyEnds Date    `json:"warranty_ends,omitempty" format:"date"`
	Address      Address `json:"address,omitempty"`
}

// Validate checks an asset input.
func (in *AssetInput) Validate() error {
	var v Validator
	in.SerialNo = strings.TrimSpace(in.SerialNo)
	v.Check(in.ProductID > 0, "product_id", "is required")
	v.Check(in.CustomerID > 0, "customer_id", "is required")
	v.Check(in.SerialNo != "", "serial_no", "is required")
	for name, d := range map[string]Date{"purchased_on": in.PurchasedOn, "installed_on": in.InstalledOn, "warranty_ends": in.WarrantyEnds} {
		v.Check(d.Valid(), name, "must be a date as YYYY-MM-DD")
	}
	if in.PurchasedOn != "" && in.InstalledOn != "" && in.PurchasedOn.Valid() && in.InstalledOn.Valid() {
		v.Check(in.InstalledOn >= in.PurchasedOn, "installed_on", "must not be before purchased_on")
	}
	in.Address.validate(&v, "address.")
	return v.Err()
}

// CatalogService manages categories, products and assets.
type CatalogService interface {
	CreateCategory(ctx context.Context, in CategoryInput) (*Category, error)
	ListCategories(ctx context.Context) ([]*Category, error)
	CreateProduct(ctx context.Context, in ProductInput) (*Product, error)
	UpdateProduct(ctx context.Context, id, version int64, in ProductInput) (*Product, error)
	FindProduct(ctx context.Context, id int64) (*Product, error)
	ListProducts(ctx context.Context, categoryID int64) ([]*Product, error)
	CreateAsset(ctx context.Context, in AssetInput) (*Asset, error)
	UpdateAsset(ctx context.Context, id, version int64, in AssetInput) (*Asset, error)
	FindAsset(ctx context.Context, id int64) (*Asset, error)
	ListAssets(ctx context.Context, customerID int64, serial string) ([]*Asset, error)
}

// AddMonths returns the date months after d (clamped to the month's end,
// so 2024-01-31 + 1 month is 2024-02-29). An invalid d returns "".
func AddMonths(d Date, months int) Date {
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil {
		return ""
	}
	y, m, day := t.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return DateOf(time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, time.UTC))
}
