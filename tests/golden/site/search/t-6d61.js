CatalogSearch.add("t","ma",{"matter":"3J","matter rest":"3O"});
