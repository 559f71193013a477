//! The shop's own commands, beside Tandem's (Django's custom management
//! commands): `cargo run -p shop -- products [--all]`.

use tandem::Error;
use tandem::cli::{AppCommand, CommandContext};
use tandem::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::shop::models::product;

/// Every command the shop adds.
pub fn commands() -> Vec<AppCommand> {
    vec![AppCommand::new(
        "products",
        "List the products: id, SKU, price, name (active ones; --all for every one)",
        products,
    )]
}

/// Prints the products, one a line, tab-separated.
async fn products(ctx: CommandContext) -> Result<(), Error> {
    if let Some(unknown) = ctx.args.iter().find(|arg| *arg != "--all") {
        return Err(Error::Command(format!("unknown argument {unknown:?}; usage: products [--all]")));
    }
    let mut select = product::Entity::find().order_by_asc(product::Column::Id);
    if ctx.args.is_empty() {
        select = select.filter(product::Column::IsActive.eq(true));
    }
    for found in select.all(&ctx.db).await? {
        println!("{}\t{}\t{}\t{}", found.id, found.sku, found.price, found.name);
    }
    Ok(())
}
