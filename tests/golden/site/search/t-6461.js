CatalogSearch.add("t","da",{"data":[2.978,"0F2_"],"data hurt":[2.607,"2_"],"dataset":[8.897,"0_"]});
