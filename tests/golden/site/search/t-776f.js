CatalogSearch.add("t","wo",{"workshop":[2.093,"0_"]});
