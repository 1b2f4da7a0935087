CatalogSearch.add("t","su",{"subset":"3J","subset edge":"3O","sutskever":"2a"});
