-- Stage 07: stage06's databases (one per service on the MariaDB server, and one user per
-- service that can reach its own database only), plus the shipping consumer's. "No service
-- reads another's tables" is then not a convention but a permission: a query across the
-- boundary is refused by the server.
-- Run once, when the data directory is created (/docker-entrypoint-initdb.d).
CREATE DATABASE IF NOT EXISTS catalog;
CREATE DATABASE IF NOT EXISTS inventory;
CREATE DATABASE IF NOT EXISTS accounts;
CREATE DATABASE IF NOT EXISTS carts;
CREATE DATABASE IF NOT EXISTS orders;
CREATE DATABASE IF NOT EXISTS payments;
CREATE DATABASE IF NOT EXISTS shipping;
CREATE USER IF NOT EXISTS 'catalog'@'%' IDENTIFIED BY 'catalog';
CREATE USER IF NOT EXISTS 'inventory'@'%' IDENTIFIED BY 'inventory';
CREATE USER IF NOT EXISTS 'account'@'%' IDENTIFIED BY 'account';
CREATE USER IF NOT EXISTS 'cart'@'%' IDENTIFIED BY 'cart';
CREATE USER IF NOT EXISTS 'order'@'%' IDENTIFIED BY 'order';
CREATE USER IF NOT EXISTS 'payment'@'%' IDENTIFIED BY 'payment';
CREATE USER IF NOT EXISTS 'shipping'@'%' IDENTIFIED BY 'shipping';
GRANT ALL ON catalog.* TO 'catalog'@'%';
GRANT ALL ON inventory.* TO 'inventory'@'%';
GRANT ALL ON accounts.* TO 'account'@'%';
GRANT ALL ON carts.* TO 'cart'@'%';
GRANT ALL ON orders.* TO 'order'@'%';
GRANT ALL ON payments.* TO 'payment'@'%';
GRANT ALL ON shipping.* TO 'shipping'@'%';
