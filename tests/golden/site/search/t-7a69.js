CatalogSearch.add("t","zi",{"ziv":"4h"});
