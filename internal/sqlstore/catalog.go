package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"aftersales"
)

// CreateCategory adds a node to the category tree. The materialised path
// ("/1/4/9/") lets a filter on a category include its descendants.
func (db *DB) CreateCategory(ctx context.Context, in aftersales.CategoryInput) (*aftersales.Category, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCatalogWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	c := &aftersales.Category{ParentID: in.ParentID, Code: in.Code, NameZH: in.NameZH, NameEN: in.NameEN}
	err := db.inTx(ctx, func(tx *Tx) error {
		parentPath := "/"
		if in.ParentID != nil {
			if err := tx.QueryRowContext(ctx, `SELECT path, depth FROM product_categories WHERE id = $1`, *in.ParentID).Scan(&parentPath, &c.Depth); err != nil {
				if err == sql.ErrNoRows {
					return &aftersales.Error{Code: aftersales.EINVALID, Message: "The request has invalid fields.",
						Fields: []aftersales.FieldError{{Field: "parent_id", Reason: fmt.Sprintf("%d does not exist", *in.ParentID)}}}
				}
				return err
			}
			c.Depth++
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO product_categories (parent_id, code, name_zh, name_en, depth) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			nullInt(in.ParentID), in.Code, in.NameZH, in.NameEN, c.Depth).Scan(&c.ID)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert category: %w", err))
		}
		c.Path = parentPath + strconv.FormatInt(c.ID, 10) + "/"
		if _, err := tx.ExecContext(ctx, `UPDATE product_categories SET path = $1 WHERE id = $2`, c.Path, c.ID); err != nil {
			return err
		}
		return tx.audit(ctx, "create", "category", c.ID, in)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ListCategories returns the tree in path order (parents before children).
func (db *DB) ListCategories(ctx context.Context) ([]*aftersales.Category, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, parent_id, code, name_zh, name_en, path, depth FROM product_categories ORDER BY path`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list categories: %w", err)
	}
	defer rows.Close()
	var out []*aftersales.Category
	for rows.Next() {
		var c aftersales.Category
		var parent sql.NullInt64
		if err := rows.Scan(&c.ID, &parent, &c.Code, &c.NameZH, &c.NameEN, &c.Path, &c.Depth); err != nil {
			return nil, err
		}
		c.ParentID = int64Ptr(parent)
		out = append(out, &c)
	}
	return out, rows.Err()
}

const productCols = `id, category_id, model, name, brand, warranty_months, active, version, created_at`

func scanProduct(row interface{ Scan(...any) error }) (*aftersales.Product, error) {
	var p aftersales.Product
	var created int64
	if err := row.Scan(&p.ID, &p.CategoryID, &p.Model, &p.Name, &p.Brand, &p.WarrantyMonths, &p.Active, &p.Version, &created); err != nil {
		return nil, err
	}
	p.CreatedAt = fromMS(created)
	return &p, nil
}

// CreateProduct adds a product model.
func (db *DB) CreateProduct(ctx context.Context, in aftersales.ProductInput) (*aftersales.Product, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCatalogWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := checkRefs(ctx, tx, ref{"category_id", "product_categories", &in.CategoryID}); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `
			INSERT INTO products (category_id, model, name, brand, warranty_months, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			in.CategoryID, in.Model, in.Name, in.Brand, in.WarrantyMonths, in.Active == nil || *in.Active, ms(tx.now)).Scan(&id)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert product: %w", err))
		}
		return tx.audit(ctx, "create", "product", id, in)
	})
	if err != nil {
		return nil, err
	}
	return db.findProduct(ctx, db.w, id)
}

// UpdateProduct changes a product.
func (db *DB) UpdateProduct(ctx context.Context, id, version int64, in aftersales.ProductInput) (*aftersales.Product, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCatalogWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := checkRefs(ctx, tx, ref{"category_id", "product_categories", &in.CategoryID}); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE products SET category_id = $1, model = $2, name = $3, brand = $4, warranty_months = $5, active = $6,
				updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9`,
			in.CategoryID, in.Model, in.Name, in.Brand, in.WarrantyMonths, in.Active == nil || *in.Active, ms(tx.now), id, version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update product: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "products", "Product", id); err != nil {
			return err
		}
		return tx.audit(ctx, "update", "product", id, in)
	})
	if err != nil {
		return nil, err
	}
	return db.findProduct(ctx, db.w, id)
}

// FindProduct returns one product.
func (db *DB) FindProduct(ctx context.Context, id int64) (*aftersales.Product, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	return db.findProduct(ctx, db.r, id)
}

func (db *DB) findProduct(ctx context.Context, q queryer, id int64) (*aftersales.Product, error) {
	p, err := scanProduct(q.QueryRowContext(ctx, `SELECT `+productCols+` FROM products WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "Product", id)
	}
	return p, nil
}

// ListProducts lists products, optionally of one category and its subtree.
func (db *DB) ListProducts(ctx context.Context, categoryID int64) ([]*aftersales.Product, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	q, args := `SELECT `+productCols+` FROM products ORDER BY model`, []any{}
	if categoryID != 0 {
		q = `SELECT ` + productCols + ` FROM products WHERE category_id IN (SELECT d.id FROM product_categories d, product_categories p
			WHERE p.id = $1 AND d.path LIKE p.path || '%') ORDER BY model`
		args = append(args, categoryID)
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list products: %w", err)
	}
	return collect(rows, scanProduct)
}

const assetCols = `a.id, a.product_id, a.customer_id, a.serial_no, COALESCE(a.purchased_on, ''), COALESCE(a.installed_on, ''),
	COALESCE(a.warranty_ends, ''), a.address, a.version, a.created_at, p.name`

func scanAsset(row interface{ Scan(...any) error }) (*aftersales.Asset, error) {
	var a aftersales.Asset
	var addr string
	var created int64
	if err := row.Scan(&a.ID, &a.ProductID, &a.CustomerID, &a.SerialNo, &a.PurchasedOn, &a.InstalledOn, &a.WarrantyEnds,
		&addr, &a.Version, &created, &a.ProductName); err != nil {
		return nil, err
	}
	a.CreatedAt = fromMS(created)
	if err := json.Unmarshal([]byte(addr), &a.Address); err != nil {
		return nil, fmt.Errorf("sqlstore: asset %d address: %w", a.ID, err)
	}
	return &a, nil
}

// CreateAsset registers an installed unit. Without a warranty end date it
// is derived from the install (or purchase) date and the product's months.
func (db *DB) CreateAsset(ctx context.Context, in aftersales.AssetInput) (*aftersales.Asset, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := db.prepareAsset(ctx, tx, &in); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `
			INSERT INTO assets (product_id, customer_id, serial_no, purchased_on, installed_on, warranty_ends, address, lat, lng, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			in.ProductID, in.CustomerID, in.SerialNo, nullStr(string(in.PurchasedOn)), nullStr(string(in.InstalledOn)),
			nullStr(string(in.WarrantyEnds)), mustJSON(in.Address), in.Address.Lat, in.Address.Lng, ms(tx.now)).Scan(&id)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert asset: %w", err))
		}
		return tx.audit(ctx, "create", "asset", id, map[string]any{"serial_no": in.SerialNo})
	})
	if err != nil {
		return nil, err
	}
	return db.findAsset(ctx, db.w, id)
}

func (db *DB) prepareAsset(ctx context.Context, tx *Tx, in *aftersales.AssetInput) error {
	if err := checkRefs(ctx, tx, ref{"product_id", "products", &in.ProductID}, ref{"customer_id", "customers", &in.CustomerID}); err != nil {
		return err
	}
	if in.WarrantyEnds == "" {
		start := in.InstalledOn
		if start == "" {
			start = in.PurchasedOn
		}
		if start != "" {
			var months int
			if err := tx.QueryRowContext(ctx, `SELECT warranty_months FROM products WHERE id = $1`, in.ProductID).Scan(&months); err != nil {
				return err
			}
			in.WarrantyEnds = aftersales.AddMonths(start, months)
		}
	}
	return nil
}

// UpdateAsset changes an asset.
func (db *DB) UpdateAsset(ctx context.Context, id, version int64, in aftersales.AssetInput) (*aftersales.Asset, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := db.prepareAsset(ctx, tx, &in); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE assets SET product_id = $1, customer_id = $2, serial_no = $3, purchased_on = $4, installed_on = $5,
				warranty_ends = $6, address = $7, lat = $8, lng = $9, updated_at = $10, version = version + 1
			WHERE id = $11 AND version = $12`,
			in.ProductID, in.CustomerID, in.SerialNo, nullStr(string(in.PurchasedOn)), nullStr(string(in.InstalledOn)),
			nullStr(string(in.WarrantyEnds)), mustJSON(in.Address), in.Address.Lat, in.Address.Lng, ms(tx.now), id, version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update asset: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "assets", "Asset", id); err != nil {
			return err
		}
		return tx.audit(ctx, "update", "asset", id, map[string]any{"serial_no": in.SerialNo})
	})
	if err != nil {
		return nil, err
	}
	return db.findAsset(ctx, db.w, id)
}

// FindAsset returns one asset.
func (db *DB) FindAsset(ctx context.Context, id int64) (*aftersales.Asset, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerRead); err != nil {
		return nil, err
	}
	return db.findAsset(ctx, db.r, id)
}

func (db *DB) findAsset(ctx context.Context, q queryer, id int64) (*aftersales.Asset, error) {
	a, err := scanAsset(q.QueryRowContext(ctx, `SELECT `+assetCols+` FROM assets a JOIN products p ON p.id = a.product_id WHERE a.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "Asset", id)
	}
	return a, nil
}

// ListAssets lists a customer's assets, or finds one by serial number.
func (db *DB) ListAssets(ctx context.Context, customerID int64, serial string) ([]*aftersales.Asset, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerRead); err != nil {
		return nil, err
	}
	where, args := "1=1", []any{}
	if customerID != 0 {
		args = append(args, customerID)
		where += " AND a.customer_id = $1"
	}
	if serial != "" {
		args = append(args, serial)
		where += fmt.Sprintf(" AND a.serial_no = $%d", len(args))
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+assetCols+` FROM assets a JOIN products p ON p.id = a.product_id WHERE `+where+` ORDER BY a.id LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list assets: %w", err)
	}
	return collect(rows, scanAsset)
}
