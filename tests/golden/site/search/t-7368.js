CatalogSearch.add("t","sh",{"shwartz":"4h"});
